namespace TurboDiffusion.Engine.Runtime;

/// <summary>libtorch could not be found or loaded. The message lists what was searched, what was found, and the fix.</summary>
public sealed class LibTorchNotFoundException(string message, Exception? inner = null) : Exception(message, inner);
