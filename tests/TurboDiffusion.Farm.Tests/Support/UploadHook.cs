using System.Reflection;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;

namespace TurboDiffusion.Farm.Tests.Support;

/// <summary>
/// An artifact store whose uploads run through a hook (a delay, a failure) before reaching the real store; every other
/// call passes straight through.
/// </summary>
public class UploadHook : DispatchProxy
{
    private IArtifactStore inner = null!;
    private Func<ArtifactUpload, Task> before = null!;

    public static IArtifactStore Wrap(IArtifactStore inner, Func<ArtifactUpload, Task> before)
    {
        var proxy = Create<IArtifactStore, UploadHook>();
        var hook = (UploadHook)(object)proxy;
        (hook.inner, hook.before) = (inner, before);
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name == nameof(IArtifactStore.UploadAsync))
        {
            return UploadAsync((ArtifactUpload)args![0]!, (CancellationToken)args[1]!);
        }

        try
        {
            return targetMethod.Invoke(inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    private async Task<ArtifactRef> UploadAsync(ArtifactUpload upload, CancellationToken cancellationToken)
    {
        await before(upload);
        return await inner.UploadAsync(upload, cancellationToken);
    }
}
