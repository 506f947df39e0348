using Billing.Resilience.Journal;
using Billing.Resilience.Rentals;
using Billing.Resilience.Tests.Support;
using NodaTime;

namespace Billing.Resilience.Tests.Corpus;

/// <summary>
/// Malformed commands to a running engine: StartRental, ReportEndSignal, RecordDistance. Each is refused with its
/// stable code, the property path and the offending value (never for card numbers and tokens, which a message must
/// not repeat), and the journal is unchanged: nothing of a refused command is written.
/// </summary>
public class CommandCorpus
{
    /// <summary>A malformed command: what it does to an engine whose rental r-1 is running, and the error it must get.</summary>
    internal sealed record CommandCase(string Id, Func<TestEngine, string, Task<IReadOnlyList<ValidationError>>> Send, string Path, string Code, string? Shown, string? Hidden = null)
    {
        public override string ToString() => Id;
    }

    private static readonly Instant At = TestEngine.T0 + Duration.FromMinutes(10);

    /// <summary>Luhn-valid card numbers of 13 to 19 digits (test numbers of the card networks), bare, spaced and dashed.</summary>
    internal static readonly string[] CardNumbers =
    [
        "4000000000006", "378282246310005", "4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111",
        "6011000990139424", "62000000000000000", "500000000000000009", "6011000000000000001", " 4111 1111-1111 1111 ",
    ];

    private static readonly string[] BadIds =
    [
        string.Empty, " ", "r 1", "r|1", "r\t1", "r\n1", "r-\u00fc", "\u043a\u043b\u044e\u0447", "r\u00001", new string('r', 129), new string('r', 10_000),
    ];

    internal static readonly IReadOnlyList<CommandCase> Cases =
    [
        .. BadIds.Select((id, i) => Start($"start/rental-id/{i}", new StartRental(id, "u-2", "kickboard", "session"), "rentalId", "BILLING_RENTAL_ID_INVALID", $"'{id}'")),
        Start("start/rental-id/null", new StartRental(null!, "u-2", "kickboard", "session"), "rentalId", "BILLING_RENTAL_ID_INVALID", "''"),
        .. BadIds.Take(8).Select((id, i) => Start($"start/rider-id/{i}", new StartRental("r-2", id, "kickboard", "session"), "riderId", "BILLING_RIDER_ID_INVALID", $"'{id}'")),
        Start("start/plan-id/empty", new StartRental("r-2", "u-2", string.Empty, "session"), "planId", "BILLING_PLAN_ID_INVALID", "''"),
        Start("start/plan-id/blank", new StartRental("r-2", "u-2", "  ", "session"), "planId", "BILLING_PLAN_ID_INVALID", "'  '"),
        Start("start/plan-id/257-chars", new StartRental("r-2", "u-2", new string('p', 257), "session"), "planId", "BILLING_PLAN_ID_INVALID", new string('p', 257)),
        Start("start/plan-id/256-chars", new StartRental("r-2", "u-2", new string('p', 256), "session"), "planId", "BILLING_PLAN_ID_INVALID", new string('p', 256)),
        Start("start/plan-id/unknown", new StartRental("r-2", "u-2", "scooter", "session"), "planId", "BILLING_PLAN_UNKNOWN", "'scooter'"),
        Start("start/plan-id/other-case", new StartRental("r-2", "u-2", "Kickboard", "session"), "planId", "BILLING_PLAN_UNKNOWN", "'Kickboard'"),
        Start("start/credential/8193-chars", new StartRental("r-2", "u-2", "kickboard", new string('c', 8_193)), "credential", "BILLING_CREDENTIAL_TOO_LONG", "8193"),
        .. CardNumbers.Select((card, i) => Start($"start/credential/card-{i}", new StartRental("r-2", "u-2", "kickboard", card), "credential", "BILLING_CREDENTIAL_LOOKS_LIKE_CARD", null, card.Trim())),
        Start("start/duplicate-other-rider", new StartRental("r-1", "u-9", "kickboard", "session"), "rentalId", "BILLING_RENTAL_DUPLICATE", "'r-1'"),
        Start("start/duplicate-other-plan", new StartRental("r-1", "u-1", "bike", "session"), "rentalId", "BILLING_RENTAL_DUPLICATE", "'r-1'"),

        .. BadIds.Select((id, i) => End($"end/rental-id/{i}", _ => new ReportEndSignal(id, At, EndSignalSource.Vehicle), "rentalId", "BILLING_RENTAL_ID_INVALID", $"'{id}'")),
        End("end/rental-unknown", _ => new ReportEndSignal("r-404", At, EndSignalSource.Vehicle), "rentalId", "BILLING_RENTAL_UNKNOWN", "'r-404'"),
        End("end/source-7", _ => new ReportEndSignal("r-1", At, (EndSignalSource)7), "source", "BILLING_END_SIGNAL_SOURCE_UNKNOWN", "7"),
        End("end/source-negative", _ => new ReportEndSignal("r-1", At, (EndSignalSource)(-1)), "source", "BILLING_END_SIGNAL_SOURCE_UNKNOWN", "-1"),
        End("end/rider-token-null", _ => new ReportEndSignal("r-1", At, EndSignalSource.Rider), "rentalToken", "BILLING_END_SIGNAL_TOKEN_REQUIRED", "rental token"),
        End("end/rider-token-empty", _ => new ReportEndSignal("r-1", At, EndSignalSource.Rider, string.Empty), "rentalToken", "BILLING_END_SIGNAL_TOKEN_REQUIRED", "rental token"),
        End("end/rider-token-blank", _ => new ReportEndSignal("r-1", At, EndSignalSource.Rider, "   "), "rentalToken", "BILLING_END_SIGNAL_TOKEN_REQUIRED", "rental token"),
        End("end/rider-token-garbage", _ => new ReportEndSignal("r-1", At, EndSignalSource.Rider, "not-a-token"), "rentalToken", "BILLING_RENTAL_TOKEN_MALFORMED", "Malformed"),
        End("end/rider-token-overlong", token => new ReportEndSignal("r-1", At, EndSignalSource.Rider, token + new string('A', 10_000)), "rentalToken", "BILLING_RENTAL_TOKEN_MALFORMED", "Malformed"),
        End("end/rider-token-unknown-key", _ => new ReportEndSignal("r-1", At, EndSignalSource.Rider, "v1.k9.1700000000.AAAA"), "rentalToken", "BILLING_RENTAL_TOKEN_UNKNOWNKEY", "UnknownKey"),
        End("end/rider-token-forged", token => new ReportEndSignal("r-1", At, EndSignalSource.Rider, token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA")), "rentalToken", "BILLING_RENTAL_TOKEN_BADSIGNATURE", "BadSignature"),
        .. CardNumbers.Select((card, i) => End($"end/rider-token-card-{i}", _ => new ReportEndSignal("r-1", At, EndSignalSource.Rider, card), "rentalToken", "BILLING_END_SIGNAL_TOKEN_LOOKS_LIKE_CARD", null, card.Trim())),
        .. CardNumbers.Take(3).Select((card, i) => End($"end/vehicle-token-card-{i}", _ => new ReportEndSignal("r-1", At, EndSignalSource.Vehicle, card), "rentalToken", "BILLING_END_SIGNAL_TOKEN_LOOKS_LIKE_CARD", null, card.Trim())),

        .. BadIds.Take(6).Select((id, i) => Distance($"distance/rental-id/{i}", new RecordDistance(id, At, 1m), "rentalId", "BILLING_RENTAL_ID_INVALID", $"'{id}'")),
        Distance("distance/rental-unknown", new RecordDistance("r-404", At, 1m), "rentalId", "BILLING_RENTAL_UNKNOWN", "'r-404'"),
        Distance("distance/zero", new RecordDistance("r-1", At, 0m), "kilometres", "BILLING_DISTANCE_NOT_POSITIVE", "got 0 km"),
        Distance("distance/negative", new RecordDistance("r-1", At, -1m), "kilometres", "BILLING_DISTANCE_NOT_POSITIVE", "got -1 km"),
        Distance("distance/minus-a-millimetre", new RecordDistance("r-1", At, -0.000001m), "kilometres", "BILLING_DISTANCE_NOT_POSITIVE", "got -0.000001 km"),
        Distance("distance/minimum", new RecordDistance("r-1", At, decimal.MinValue), "kilometres", "BILLING_DISTANCE_NOT_POSITIVE", decimal.MinValue.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Distance("distance/tenth-of-a-millimetre", new RecordDistance("r-1", At, 0.0000001m), "kilometres", "BILLING_DISTANCE_TOO_PRECISE", "got 0.0000001 km"),
        Distance("distance/over-precise", new RecordDistance("r-1", At, 1.0000000000000000000000000001m), "kilometres", "BILLING_DISTANCE_TOO_PRECISE", "1.0000000000000000000000000001"),
        Distance("distance/just-over-1000", new RecordDistance("r-1", At, 1000.000001m), "kilometres", "BILLING_DISTANCE_TOO_LARGE", "got 1000.000001 km"),
        Distance("distance/1001", new RecordDistance("r-1", At, 1001m), "kilometres", "BILLING_DISTANCE_TOO_LARGE", "got 1001 km"),
        Distance("distance/maximum", new RecordDistance("r-1", At, decimal.MaxValue), "kilometres", "BILLING_DISTANCE_TOO_LARGE", "79228162514264337593543950335"),
    ];

    public static TheoryData<string> Ids => [.. Cases.Select(c => c.Id)];

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task Is_refused_with_code_path_and_value_and_nothing_is_journaled(string id)
    {
        var c = Cases.Single(x => x.Id == id);
        var journal = new InMemoryJournal();
        using var engine = await TestEngine.CreateAsync(journal: journal);
        var token = await engine.StartAsync("r-1");
        var before = journal.Count;

        var errors = await c.Send(engine, token);

        var expected = new CorpusCase(c.Id, () => string.Empty, c.Path, c.Code, c.Shown);
        var error = CorpusAssert.HasError(errors, expected);
        if (c.Hidden is { } secret)
        {
            // A card number or a token is never repeated in a message: messages end up in logs.
            Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(new string(secret.Where(char.IsAsciiDigit).ToArray()), error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, journal.Count);
    }

    private static CommandCase Start(string id, StartRental command, string path, string code, string? shown, string? hidden = null)
        => new(id, async (engine, _) => (await engine.Rentals.StartAsync(command)).Errors, path, code, shown, hidden);

    private static CommandCase End(string id, Func<string, ReportEndSignal> command, string path, string code, string? shown, string? hidden = null)
        => new(id, async (engine, token) =>
        {
            var receipt = await engine.Rentals.ReportEndAsync(command(token));
            Assert.False(receipt.Accepted);
            return receipt.Errors;
        }, path, code, shown, hidden);

    private static CommandCase Distance(string id, RecordDistance command, string path, string code, string? shown)
        => new(id, async (engine, _) => await engine.Rentals.RecordDistanceAsync(command), path, code, shown);
}
