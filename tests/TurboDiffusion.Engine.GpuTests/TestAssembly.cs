// One GPU serves every test, and the memory tests read its allocator's device-wide counters: tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
