using System.Text;
using Billing.Resilience.Rentals;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Tests.Rentals;

public class RentalTokensTests
{
    private static readonly RentalId Rental = RentalId.From("r-1");
    private static readonly RiderId Rider = RiderId.From("u-1");

    private static RentalTokenKey Key(string id, char fill) => new() { KeyId = id, Secret = Encoding.UTF8.GetBytes(new string(fill, 32)) };

    [Fact]
    public void A_token_verifies_for_its_rental_and_rider_until_it_expires()
    {
        var clock = new FakeClock(Instant.FromUtc(2022, 10, 15, 0, 0));
        var options = new RentalTokenOptions { ActiveKeyId = "a", Lifetime = Duration.FromDays(2) };
        options.Keys.Add(Key("a", 'x'));
        var tokens = new RentalTokens(options, clock);
        var token = tokens.Issue(Rental, Rider);

        Assert.Equal(RentalTokenProblem.None, tokens.Verify(token, Rental, Rider));
        Assert.Equal(RentalTokenProblem.BadSignature, tokens.Verify(token, RentalId.From("r-2"), Rider));
        Assert.Equal(RentalTokenProblem.BadSignature, tokens.Verify(token, Rental, RiderId.From("u-2")));
        Assert.Equal(RentalTokenProblem.Malformed, tokens.Verify("nonsense", Rental, Rider));
        Assert.Equal(RentalTokenProblem.Malformed, tokens.Verify(null, Rental, Rider));
        Assert.Equal(RentalTokenProblem.Malformed, tokens.Verify(token + "!", Rental, Rider));
        clock.Advance(Duration.FromDays(2) + Duration.FromSeconds(1));
        Assert.Equal(RentalTokenProblem.Expired, tokens.Verify(token, Rental, Rider));
    }

    [Fact]
    public void Rotating_keys_keeps_old_tokens_valid_until_the_old_key_is_removed()
    {
        var clock = new FakeClock(Instant.FromUtc(2022, 10, 15, 0, 0));
        var before = new RentalTokenOptions { ActiveKeyId = "old" };
        before.Keys.Add(Key("old", 'o'));
        var oldToken = new RentalTokens(before, clock).Issue(Rental, Rider);

        var during = new RentalTokenOptions { ActiveKeyId = "new" };
        during.Keys.Add(Key("old", 'o'));
        during.Keys.Add(Key("new", 'n'));
        var rotated = new RentalTokens(during, clock);
        Assert.Equal(RentalTokenProblem.None, rotated.Verify(oldToken, Rental, Rider));
        var newToken = rotated.Issue(Rental, Rider);
        Assert.StartsWith("v1.new.", newToken, StringComparison.Ordinal);

        var after = new RentalTokenOptions { ActiveKeyId = "new" };
        after.Keys.Add(Key("new", 'n'));
        var retired = new RentalTokens(after, clock);
        Assert.Equal(RentalTokenProblem.UnknownKey, retired.Verify(oldToken, Rental, Rider));
        Assert.Equal(RentalTokenProblem.None, retired.Verify(newToken, Rental, Rider));
    }

    [Fact]
    public void Invalid_options_report_every_problem_at_once()
    {
        var options = new RentalTokenOptions { ActiveKeyId = "missing", Lifetime = Duration.FromMinutes(1) };
        options.Keys.Add(new RentalTokenKey { KeyId = "bad id!", Secret = new byte[8] });
        var ex = Assert.Throws<InvalidInputException>(() => new RentalTokens(options, new FakeClock(Instant.MinValue + Duration.FromDays(1))));
        var codes = ex.Errors.Select(e => e.Code).ToHashSet();
        Assert.Contains("BILLING_TOKENS_KEY_ID", codes);
        Assert.Contains("BILLING_TOKENS_SECRET_TOO_SHORT", codes);
        Assert.Contains("BILLING_TOKENS_ACTIVE_KEY_MISSING", codes);
        Assert.Contains("BILLING_TOKENS_LIFETIME_RANGE", codes);
    }
}
