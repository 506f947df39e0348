using System.Collections.Concurrent;
using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Microsoft.Extensions.Logging;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Tests.Outages;

/// <summary>
/// <see cref="DependencyHealth"/> on its own: the outage log it writes, what it reports, probes, several instances
/// sharing one log, and what it logs.
/// </summary>
public class DependencyHealthTests
{
    private static readonly Instant T0 = Instant.FromUtc(2022, 10, 15, 5, 50);

    private readonly FakeClock clock = new(T0);
    private readonly InMemoryJournal journal = new();
    private readonly CapturingLogger logger = new();

    [Fact]
    public async Task A_dependency_goes_down_once_and_comes_back_once()
    {
        var health = await CreateAsync();
        var changes = new List<Outage>();
        health.Changed += changes.Add;

        var down = await health.ReportDownAsync(Dependency.Payment, "operator");
        clock.Advance(Duration.FromSeconds(5));
        var again = await health.ReportDownAsync(Dependency.Payment, "another reason");
        clock.Advance(Duration.FromSeconds(85));
        var up = await health.ReportUpAsync(Dependency.Payment);
        var upAgain = await health.ReportUpAsync(Dependency.Payment);

        Assert.Equal(new Outage("payment-1", Dependency.Payment, T0, null), down);
        Assert.Same(down, again);
        Assert.NotNull(up);
        Assert.Equal(new Outage("payment-1", Dependency.Payment, T0, T0 + Duration.FromSeconds(90)), up);
        Assert.Null(upAgain);
        Assert.Equal([down, up], changes);
        Assert.Equal([up], health.Outages);
        Assert.False(health.IsDown(Dependency.Payment));
        Assert.Null(health.CurrentOutage(Dependency.Payment));
        Assert.Equal("operator", health.ReasonOf(up));
        Assert.Equal(2, journal.Count);
    }

    [Fact]
    public async Task Outages_are_numbered_per_dependency_and_the_current_one_is_the_last_of_its_dependency()
    {
        var health = await CreateAsync();

        await health.ReportDownAsync(Dependency.Payment, "a");
        await health.ReportUpAsync(Dependency.Payment);
        var identity = await health.ReportDownAsync(Dependency.Identity, "b");
        var payment = await health.ReportDownAsync(Dependency.Payment, "c");
        await health.ReportUpAsync(Dependency.Identity);

        Assert.Equal("identity-1", identity.OutageId);
        Assert.Equal("payment-2", payment.OutageId);
        Assert.Equal(["payment-1", "identity-1", "payment-2"], health.Outages.Select(o => o.OutageId));
        Assert.Same(payment, health.CurrentOutage(Dependency.Payment));
        Assert.True(health.IsDown(Dependency.Payment));
        Assert.False(health.IsDown(Dependency.Identity));
        Assert.Null(health.CurrentOutage(Dependency.Identity));
        Assert.Equal("c", health.ReasonOf(payment));
        Assert.Equal("b", health.ReasonOf(health.Outages[1]));
    }

    [Fact]
    public async Task An_outage_never_ends_before_it_began_even_when_the_clock_went_back()
    {
        var health = await CreateAsync();
        await health.ReportDownAsync(Dependency.Identity);

        clock.Reset(T0 - Duration.FromSeconds(30));
        var ended = await health.ReportUpAsync(Dependency.Identity);

        Assert.NotNull(ended);
        Assert.Equal(T0, ended.To);
        Assert.Null(health.ReasonOf(ended));
    }

    [Fact]
    public async Task The_log_is_read_back_by_another_instance_with_the_reasons()
    {
        var first = await CreateAsync();
        await first.ReportDownAsync(Dependency.Payment, "probe failed");
        clock.Advance(Duration.FromMinutes(1));
        await first.ReportUpAsync(Dependency.Payment);
        await first.ReportDownAsync(Dependency.Identity, "circuit open: 10 failures");

        var second = await CreateAsync();

        Assert.Equal(first.Outages, second.Outages);
        Assert.Equal("probe failed", second.ReasonOf(second.Outages[0]));
        Assert.Equal("circuit open: 10 failures", second.ReasonOf(second.Outages[1]));
        Assert.True(second.IsDown(Dependency.Identity));

        // It continues the log where the first left it: the version was read too.
        await second.ReportUpAsync(Dependency.Identity);
        Assert.Equal(4, (await journal.ReadStreamAsync(DependencyHealth.StreamId)).Count);
    }

    [Fact]
    public async Task Loading_again_replaces_what_was_known_by_the_log()
    {
        var first = await CreateAsync();
        var second = await CreateAsync();
        await first.ReportDownAsync(Dependency.Payment, "x");

        Assert.Empty(second.Outages);
        await second.LoadAsync();
        await second.LoadAsync();

        Assert.Single(second.Outages);
        Assert.Equal("x", second.ReasonOf(second.Outages[0]));
    }

    [Fact]
    public async Task An_instance_that_did_not_see_a_transition_reads_it_on_conflict_and_does_not_record_it_twice()
    {
        var first = await CreateAsync();
        var second = await CreateAsync();
        var down = await first.ReportDownAsync(Dependency.Payment, "first");

        var seen = await second.ReportDownAsync(Dependency.Payment, "second");

        Assert.Equal(down, seen);
        Assert.Equal("first", second.ReasonOf(seen));
        Assert.Single(await journal.ReadStreamAsync(DependencyHealth.StreamId));

        // And an up the other instance missed: the conflict shows it is up already.
        clock.Advance(Duration.FromSeconds(10));
        await first.ReportUpAsync(Dependency.Payment);
        clock.Advance(Duration.FromSeconds(1));
        Assert.Null(await second.ReportUpAsync(Dependency.Payment));
        Assert.False(second.IsDown(Dependency.Payment));
        Assert.Equal(2, (await journal.ReadStreamAsync(DependencyHealth.StreamId)).Count);
    }

    [Fact]
    public async Task A_shared_instance_reads_the_log_before_each_transition()
    {
        var first = await CreateAsync();
        var counting = new CountingJournal(journal);
        var shared = new DependencyHealth(counting, clock) { Shared = true };
        await shared.LoadAsync();
        await first.ReportDownAsync(Dependency.Identity, "first");

        var down = await shared.ReportDownAsync(Dependency.Identity, "shared");

        Assert.Equal("identity-1", down.OutageId);
        Assert.Equal(0, counting.Appends);
        Assert.Equal(2, counting.Reads);
    }

    [Fact]
    public async Task Conflicts_are_retried_five_times_then_thrown()
    {
        var conflicting = new AlwaysConflictingJournal();
        var health = new DependencyHealth(conflicting, clock);
        await health.LoadAsync();

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => health.ReportDownAsync(Dependency.Payment));

        Assert.Equal(6, conflicting.Appends);
        Assert.Empty(health.Outages);
    }

    [Fact]
    public async Task Probes_report_up_down_and_exceptions()
    {
        var health = await CreateAsync();

        Assert.False(await health.ProbeAsync(new Probe(Dependency.Payment, () => false)));
        Assert.Equal("probe failed", health.ReasonOf(health.CurrentOutage(Dependency.Payment)!));
        Assert.True(await health.ProbeAsync(new Probe(Dependency.Payment, () => true)));
        Assert.False(health.IsDown(Dependency.Payment));

        Assert.False(await health.ProbeAsync(new Probe(Dependency.Identity, () => throw new HttpRequestException("refused"))));
        Assert.Equal("probe threw HttpRequestException", health.ReasonOf(health.CurrentOutage(Dependency.Identity)!));
        Assert.True(await health.ProbeAsync(new Probe(Dependency.Identity, () => true)));

        // A timeout of the probe's own (not the caller's cancellation) is a failed probe too.
        Assert.False(await health.ProbeAsync(new Probe(Dependency.Identity, () => throw new TaskCanceledException())));
        Assert.Equal("probe threw TaskCanceledException", health.ReasonOf(health.CurrentOutage(Dependency.Identity)!));
        Assert.Equal(["payment-1", "identity-1", "identity-2"], health.Outages.Select(o => o.OutageId));
    }

    [Fact]
    public async Task A_probe_canceled_by_the_caller_records_nothing()
    {
        var health = await CreateAsync();
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => health.ProbeAsync(new Probe(Dependency.Payment, () => throw new OperationCanceledException(canceled.Token)), canceled.Token));

        Assert.Empty(health.Outages);
        Assert.Equal(0, journal.Count);
    }

    [Fact]
    public async Task A_probe_that_fails_after_the_caller_canceled_records_nothing_and_reports_the_cancellation()
    {
        var health = await CreateAsync();
        using var canceled = new CancellationTokenSource();
        var probe = new Probe(Dependency.Payment, () =>
        {
            canceled.Cancel();
            throw new IOException("connection reset");
        });

        // The probe's failure is a failed probe; recording it then meets the caller's cancellation.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => health.ProbeAsync(probe, canceled.Token));

        Assert.Empty(health.Outages);
        Assert.Equal(0, journal.Count);
    }

    [Fact]
    public async Task Each_transition_is_written_as_the_next_version_of_the_log_with_the_event_id_of_that_version()
    {
        var health = await CreateAsync();
        await health.ReportDownAsync(Dependency.Payment, "operator");
        await health.ReportUpAsync(Dependency.Payment);
        await health.ReportDownAsync(Dependency.Identity, null);

        var log = await journal.ReadStreamAsync(DependencyHealth.StreamId);

        Assert.Equal([1L, 2L, 3L], log.Select(e => e.StreamVersion));
        foreach (var recorded in log)
        {
            // Event ids are derived from stream, version, type and payload: a retry of the same write is recognised.
            var again = EventSerializer.Serialize(DependencyHealth.StreamId, recorded.StreamVersion, EventSerializer.Deserialize(recorded));
            Assert.Equal(again.EventId, recorded.EventId);
        }
    }

    [Fact]
    public async Task Calls_are_refused_for_outages_of_probes_and_operators_but_not_of_circuit_breakers()
    {
        var health = await CreateAsync();
        Assert.False(health.RefusesCalls(Dependency.Payment));

        await health.ReportDownAsync(Dependency.Payment, DependencyHealth.CircuitReasonPrefix + ": 10 failures");
        await health.ReportDownAsync(Dependency.Identity, "probe failed");
        Assert.False(health.RefusesCalls(Dependency.Payment));
        Assert.True(health.RefusesCalls(Dependency.Identity));

        await health.ReportUpAsync(Dependency.Identity);
        await health.ReportDownAsync(Dependency.Identity);
        Assert.True(health.RefusesCalls(Dependency.Identity)); // no reason: an operator

        await health.ReportUpAsync(Dependency.Identity);
        Assert.False(health.RefusesCalls(Dependency.Identity));
        Assert.Equal("circuit open", DependencyHealth.CircuitReasonPrefix);
    }

    [Fact]
    public async Task Transitions_are_logged_with_the_reason_and_the_duration()
    {
        var health = await CreateAsync();

        await health.ReportDownAsync(Dependency.Payment, "probe failed");
        clock.Advance(Duration.FromSeconds(90));
        await health.ReportUpAsync(Dependency.Payment);
        await health.ReportUpAsync(Dependency.Payment);

        Assert.Equal(
            [
                (LogLevel.Warning, 1001, "Dependency Payment is down (probe failed); open rentals freeze"),
                (LogLevel.Information, 1002, "Dependency Payment is back after 90 s; meters thaw and pending settlements resume"),
            ],
            logger.Entries);
    }

    [Fact]
    public async Task Arguments_are_checked()
    {
        var health = await CreateAsync();

        Assert.Equal("journal", Assert.Throws<ArgumentNullException>(() => new DependencyHealth(null!, clock)).ParamName);
        Assert.Equal("clock", Assert.Throws<ArgumentNullException>(() => new DependencyHealth(journal, null!)).ParamName);
        var unknown = await Assert.ThrowsAsync<ArgumentException>(() => health.ReportDownAsync((Dependency)7));
        Assert.Equal("dependency", unknown.ParamName);
        Assert.StartsWith("Unknown dependency 7.", unknown.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => health.ReportUpAsync((Dependency)(-1)));
        await Assert.ThrowsAsync<ArgumentNullException>(() => health.ProbeAsync(null!));
        Assert.Throws<ArgumentNullException>(() => health.ReasonOf(null!));
        Assert.Equal(0, journal.Count);
    }

    [Fact]
    public async Task A_log_that_ends_an_outage_that_is_not_ongoing_or_holds_another_event_is_refused()
    {
        await journal.AppendAsync(DependencyHealth.StreamId, ExpectedVersion.NoStream, [EventSerializer.Serialize(DependencyHealth.StreamId, 1, new OutageEnded("payment-1", Dependency.Payment, T0))]);
        var ended = await Assert.ThrowsAsync<InvariantViolationException>(() => CreateAsync());
        Assert.Equal("Outage payment-1 ended but was not ongoing.", ended.Message);

        var other = new InMemoryJournal();
        await other.AppendAsync(DependencyHealth.StreamId, ExpectedVersion.NoStream, [EventSerializer.Serialize(DependencyHealth.StreamId, 1, new RentalRefused("x", T0))]);
        var unexpected = await Assert.ThrowsAsync<InvariantViolationException>(() => new DependencyHealth(other, clock).LoadAsync());
        Assert.Equal("Unexpected event RentalRefused in the outage log.", unexpected.Message);
    }

    [Fact]
    public async Task Ending_an_outage_twice_in_the_log_is_refused()
    {
        var health = await CreateAsync();
        await health.ReportDownAsync(Dependency.Payment);
        await health.ReportUpAsync(Dependency.Payment);
        await journal.AppendAsync(DependencyHealth.StreamId, ExpectedVersion.Exactly(2), [EventSerializer.Serialize(DependencyHealth.StreamId, 3, new OutageEnded("payment-1", Dependency.Payment, T0))]);

        var twice = await Assert.ThrowsAsync<InvariantViolationException>(() => health.LoadAsync());

        Assert.Equal("Outage payment-1 ended but was not ongoing.", twice.Message);
    }

    [Fact]
    public void An_outage_covers_its_start_and_not_its_end()
    {
        var ended = new Outage("payment-1", Dependency.Payment, T0, T0 + Duration.FromMinutes(1));
        var ongoing = ended with { To = null };

        Assert.False(ended.Covers(T0 - Duration.Epsilon));
        Assert.True(ended.Covers(T0));
        Assert.True(ended.Covers(T0 + Duration.FromMinutes(1) - Duration.Epsilon));
        Assert.False(ended.Covers(T0 + Duration.FromMinutes(1)));
        Assert.False(ongoing.Covers(T0 - Duration.Epsilon));
        Assert.True(ongoing.Covers(T0 + Duration.FromDays(365)));
        Assert.False(ended.IsOngoing);
        Assert.True(ongoing.IsOngoing);
        Assert.Equal(T0 + Duration.FromMinutes(1), ended.EndAsOf(T0 + Duration.FromHours(1)));
        Assert.Equal(T0 + Duration.FromHours(1), ongoing.EndAsOf(T0 + Duration.FromHours(1)));
        Assert.Equal(T0, ongoing.EndAsOf(T0 - Duration.FromHours(1)));
    }

    private async Task<DependencyHealth> CreateAsync()
    {
        var health = new DependencyHealth(journal, clock, logger);
        await health.LoadAsync();
        return health;
    }

    private sealed class Probe(Dependency dependency, Func<bool> isUp) : IDependencyProbe
    {
        public Dependency Dependency => dependency;

        public ValueTask<bool> IsUpAsync(CancellationToken cancellationToken) => ValueTask.FromResult(isUp());
    }

    private sealed class CountingJournal(IJournal inner) : IJournal
    {
        public int Appends { get; private set; }

        public int Reads { get; private set; }

        public ValueTask<AppendResult> AppendAsync(string streamId, ExpectedVersion expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default)
        {
            Appends++;
            return inner.AppendAsync(streamId, expectedVersion, events, cancellationToken);
        }

        public ValueTask<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, CancellationToken cancellationToken = default)
        {
            Reads++;
            return inner.ReadStreamAsync(streamId, cancellationToken);
        }

        public ValueTask<IReadOnlyList<RecordedEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default)
            => inner.ReadAllAsync(afterPosition, maxCount, cancellationToken);
    }

    private sealed class AlwaysConflictingJournal : IJournal
    {
        public int Appends { get; private set; }

        public ValueTask<AppendResult> AppendAsync(string streamId, ExpectedVersion expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default)
        {
            Appends++;
            throw new ConcurrencyConflictException(streamId, expectedVersion, 99);
        }

        public ValueTask<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, CancellationToken cancellationToken = default)
            => ValueTask.FromResult<IReadOnlyList<RecordedEvent>>([]);

        public ValueTask<IReadOnlyList<RecordedEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default)
            => ValueTask.FromResult<IReadOnlyList<RecordedEvent>>([]);
    }

    private sealed class CapturingLogger : ILogger<DependencyHealth>
    {
        public ConcurrentQueue<(LogLevel Level, int EventId, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Entries.Enqueue((logLevel, eventId.Id, formatter(state, exception)));
    }
}
