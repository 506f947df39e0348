using Billing.Resilience.Journal;

namespace Billing.Resilience.Tests.Journal;

/// <summary>The reference implementation passes its own contract.</summary>
public sealed class InMemoryJournalConformanceTests : JournalConformanceTests
{
    protected override Task<IJournal> CreateJournalAsync() => Task.FromResult<IJournal>(new InMemoryJournal());
}
