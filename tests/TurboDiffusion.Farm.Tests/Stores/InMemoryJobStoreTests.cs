using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.InMemory;

namespace TurboDiffusion.Farm.Tests.Stores;

public sealed class InMemoryJobStoreTests : JobStoreContract
{
    protected override Task<IJobStore> CreateStoreAsync() => Task.FromResult<IJobStore>(new InMemoryJobStore());
}
