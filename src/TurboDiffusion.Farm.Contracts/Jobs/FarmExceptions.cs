namespace TurboDiffusion.Farm.Contracts;

/// <summary>A job was asked to move between states that are not connected (e.g. Succeeded → Running).</summary>
[GenerateSerializer, Alias("turbo.InvalidJobTransitionException")]
public sealed class InvalidJobTransitionException : InvalidOperationException
{
    public InvalidJobTransitionException(string jobId, JobStatus from, JobStatus to)
        : base($"Job {jobId}: it is not possible to change the status from {from} to {to}.")
    {
        JobId = jobId;
        From = from;
        To = to;
    }

    [Id(0)]
    public string JobId { get; }

    [Id(1)]
    public JobStatus From { get; }

    [Id(2)]
    public JobStatus To { get; }
}

/// <summary>
/// A worker used a lease token that is no longer the job's lease (it expired and the job was requeued, or another
/// worker holds it now). The worker must stop working on the job and discard what it produced.
/// </summary>
[GenerateSerializer, Alias("turbo.LeaseExpiredException")]
public sealed class LeaseExpiredException : InvalidOperationException
{
    public LeaseExpiredException(string jobId, Guid token)
        : base($"Job {jobId}: lease {token} is no longer held (it expired or the job was requeued); stop working on it and discard its output.")
    {
        JobId = jobId;
        Token = token;
    }

    [Id(0)]
    public string JobId { get; }

    [Id(1)]
    public Guid Token { get; }
}

/// <summary>A job id that the farm has no record of.</summary>
[GenerateSerializer, Alias("turbo.JobNotFoundException")]
public sealed class JobNotFoundException : KeyNotFoundException
{
    public JobNotFoundException(string jobId)
        : base($"Job {jobId} does not exist (never submitted, or its record expired).")
    {
        JobId = jobId;
    }

    [Id(0)]
    public string JobId { get; }
}

/// <summary>A job spec with problems; each names the field and the fix.</summary>
[GenerateSerializer, Alias("turbo.InvalidJobSpecException")]
public sealed class InvalidJobSpecException : ArgumentException
{
    public InvalidJobSpecException(IReadOnlyList<string> problems)
        : base("The job spec is not valid: " + string.Join(" ", problems))
    {
        Problems = [.. problems];
    }

    [Id(0)]
    public string[] Problems { get; }
}

/// <summary>The queue or the tenant's quota is full: retry after <see cref="RetryAfter"/> (HTTP 429 + Retry-After).</summary>
[GenerateSerializer, Alias("turbo.AdmissionRejectedException")]
public sealed class AdmissionRejectedException : InvalidOperationException
{
    public AdmissionRejectedException(AdmissionOutcome outcome, TimeSpan retryAfter, string reason)
        : base($"{reason} Retry after {retryAfter.TotalSeconds:0} s.")
    {
        Outcome = outcome;
        RetryAfter = retryAfter;
    }

    [Id(0)]
    public AdmissionOutcome Outcome { get; }

    [Id(1)]
    public TimeSpan RetryAfter { get; }
}

/// <summary>An idempotency key was reused for a different job spec (HTTP 409).</summary>
[GenerateSerializer, Alias("turbo.IdempotencyConflictException")]
public sealed class IdempotencyConflictException : InvalidOperationException
{
    public IdempotencyConflictException(string jobId)
        : base($"Job {jobId}: its idempotency key was already used for a different job spec; use a new key for a new job.")
    {
        JobId = jobId;
    }

    [Id(0)]
    public string JobId { get; }
}
