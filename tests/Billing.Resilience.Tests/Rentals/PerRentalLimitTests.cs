using Billing.Resilience.Journal;
using Billing.Resilience.Rentals;
using Billing.Resilience.Tests.Support;
using NodaTime;

namespace Billing.Resilience.Tests.Rentals;

/// <summary>
/// MeteringOptions.MaxEndSignalsPerRental and MaxDistanceIncrementsPerRental (docs/limits.md): a rental keeps at most
/// that many signals and increments; one more is refused with its code and nothing is written, while a repeat of a
/// kept one is still the same fact.
/// </summary>
public class PerRentalLimitTests
{
    [Fact]
    public async Task An_end_signal_over_the_limit_is_refused_with_its_code_and_nothing_is_written_but_a_repeat_is_still_a_duplicate()
    {
        using var t = await TestEngine.CreateAsync(b => b.Metering.MaxEndSignalsPerRental = 3);
        await t.StartAsync("r-1");
        var start = t.Clock.GetCurrentInstant();
        t.Advance(Duration.FromMinutes(30));
        for (var i = 1; i <= 3; i++)
        {
            await t.EndAsync("r-1", start + Duration.FromMinutes(10 + i));
        }

        var journal = (InMemoryJournal)t.Journal;
        var events = journal.Count;
        var statement = await t.StatementAsync("r-1");

        var fourth = await t.Rentals.ReportEndAsync(new ReportEndSignal("r-1", start + Duration.FromMinutes(20), EndSignalSource.Operator));

        Assert.False(fourth.Accepted);
        var error = Assert.Single(fourth.Errors);
        Assert.Equal("BILLING_END_SIGNALS_LIMIT", error.Code);
        Assert.Equal("rentalId", error.Path);
        Assert.Contains("has 3 end signals already", error.Message, StringComparison.Ordinal);
        Assert.Equal(events, journal.Count);
        Assert.Equal(statement.Charge, (await t.StatementAsync("r-1")).Charge);

        var repeat = await t.Rentals.ReportEndAsync(new ReportEndSignal("r-1", start + Duration.FromMinutes(11), EndSignalSource.Vehicle));
        Assert.True(repeat.Duplicate);
        Assert.Empty(repeat.Errors);
        Assert.Equal(events, journal.Count);
    }

    [Fact]
    public async Task The_limit_of_end_signals_counts_per_rental()
    {
        using var t = await TestEngine.CreateAsync(b => b.Metering.MaxEndSignalsPerRental = 1);
        await t.StartAsync("r-1");
        await t.StartAsync("r-2");
        var start = t.Clock.GetCurrentInstant();
        t.Advance(Duration.FromMinutes(30));

        await t.EndAsync("r-1", start + Duration.FromMinutes(5));
        await t.EndAsync("r-2", start + Duration.FromMinutes(6));
        var second = await t.Rentals.ReportEndAsync(new ReportEndSignal("r-1", start + Duration.FromMinutes(7), EndSignalSource.Operator));

        Assert.Equal("BILLING_END_SIGNALS_LIMIT", Assert.Single(second.Errors).Code);
        Assert.Equal(start + Duration.FromMinutes(5), (await t.StatementAsync("r-1")).End);
        Assert.Equal(start + Duration.FromMinutes(6), (await t.StatementAsync("r-2")).End);
    }

    [Fact]
    public async Task A_distance_increment_over_the_limit_is_refused_with_its_code_and_not_billed_but_a_repeat_is_accepted()
    {
        using var t = await TestEngine.CreateAsync(b => b.Metering.MaxDistanceIncrementsPerRental = 2);
        await t.StartAsync("r-1");
        var start = t.Clock.GetCurrentInstant();
        t.Advance(Duration.FromMinutes(10));
        Assert.Empty(await t.Rentals.RecordDistanceAsync(new RecordDistance("r-1", start + Duration.FromMinutes(1), 0.5m)));
        Assert.Empty(await t.Rentals.RecordDistanceAsync(new RecordDistance("r-1", start + Duration.FromMinutes(2), 0.7m)));

        var journal = (InMemoryJournal)t.Journal;
        var events = journal.Count;
        var kilometres = (await t.StatementAsync("r-1")).BillableKilometres;

        var third = await t.Rentals.RecordDistanceAsync(new RecordDistance("r-1", start + Duration.FromMinutes(3), 0.9m));

        var error = Assert.Single(third);
        Assert.Equal("BILLING_DISTANCE_LIMIT", error.Code);
        Assert.Equal("rentalId", error.Path);
        Assert.Contains("has 2 distance increments already", error.Message, StringComparison.Ordinal);
        Assert.Equal(events, journal.Count);
        Assert.Equal(1.2m, kilometres);
        Assert.Equal(kilometres, (await t.StatementAsync("r-1")).BillableKilometres);

        Assert.Empty(await t.Rentals.RecordDistanceAsync(new RecordDistance("r-1", start + Duration.FromMinutes(2), 0.7m)));
        Assert.Equal(events, journal.Count);
    }
}
