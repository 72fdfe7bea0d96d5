namespace TurboDiffusion.Silo.Health;

/// <summary>The answer of <c>POST /drain</c>: the worker's state, whether it holds no job any more, and the job it still runs.</summary>
public sealed record DrainAnswer(string State, bool Drained, string? JobId);
