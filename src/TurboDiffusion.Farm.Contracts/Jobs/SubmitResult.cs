namespace TurboDiffusion.Farm.Contracts;

/// <summary>What a submission did.</summary>
public enum SubmitOutcome
{
    /// <summary>Recorded and queued.</summary>
    Accepted,

    /// <summary>The idempotency key was seen before with the same spec: this is the original job.</summary>
    Duplicate,

    /// <summary>The idempotency key was seen before with a different spec (HTTP 409); nothing was queued.</summary>
    Conflict,

    /// <summary>Admission said no (queue full or over quota); nothing was recorded. Retry after <see cref="SubmitResult.RetryAfter"/>.</summary>
    Rejected,
}

/// <summary>The answer to a job submission.</summary>
/// <param name="Job">The job record (the original one for a duplicate or conflict); null when rejected.</param>
[GenerateSerializer, Immutable, Alias("turbo.SubmitResult.v1")]
public sealed record SubmitResult(
    [property: Id(0)] string JobId,
    [property: Id(1)] SubmitOutcome Outcome,
    [property: Id(2)] JobState? Job,
    [property: Id(3)] AdmissionDecision? Admission = null)
{
    public TimeSpan RetryAfter => Admission?.RetryAfter ?? TimeSpan.Zero;

    /// <summary>The job record when accepted or a duplicate; otherwise throws the typed rejection.</summary>
    public JobState EnsureAccepted() => Outcome switch
    {
        SubmitOutcome.Accepted or SubmitOutcome.Duplicate => Job!,
        SubmitOutcome.Rejected => throw new AdmissionRejectedException(Admission!.Outcome, Admission.RetryAfter, Admission.Reason),
        _ => throw new IdempotencyConflictException(JobId),
    };
}
