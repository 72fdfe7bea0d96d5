namespace TurboDiffusion.Engine;

/// <summary>
/// The request itself is at fault: a model it names does not exist, or that model's files are unreadable. The job
/// spends an attempt, but the failure says nothing about the machine, so it never counts against the worker.
/// </summary>
public class JobInputException(string message, Exception? innerException = null) : Exception(message, innerException);
