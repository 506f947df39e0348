using System.Text;
using Billing.Resilience.Rentals;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Tests.Rentals;

/// <summary>Rental tokens at their edges: the exact wire format, the last valid second, the length limit, malformed
/// parts, and the option rules with their codes.</summary>
public class RentalTokenBoundaryTests
{
    private static readonly RentalId Rental = RentalId.From("r-1");
    private static readonly RiderId Rider = RiderId.From("u-1");
    private static readonly Instant Now = Instant.FromUtc(2022, 10, 15, 0, 0);

    private static RentalTokenKey Key(string id, char fill, int bytes = 32) => new() { KeyId = id, Secret = Encoding.UTF8.GetBytes(new string(fill, bytes)) };

    private static (RentalTokens Tokens, FakeClock Clock) Create(Duration? lifetime = null)
    {
        var clock = new FakeClock(Now);
        var options = new RentalTokenOptions { ActiveKeyId = "a", Lifetime = lifetime ?? Duration.FromDays(2) };
        options.Keys.Add(Key("a", 'x'));
        return (new RentalTokens(options, clock), clock);
    }

    [Fact]
    public void A_token_is_version_key_expiry_and_an_HMAC_SHA256_of_them_with_rental_and_rider_in_base64url()
    {
        // Computed independently: HMAC-SHA256 with 32 'x' bytes over "v1|a|r-1|u-1|1665964800", base64url, no padding.
        // Tokens issued by one version must verify in the next, so the format is pinned.
        var (tokens, _) = Create();

        var token = tokens.Issue(Rental, Rider);

        Assert.Equal("v1.a.1665964800.ZaMjcRiRTsi0QOWfMv7J_JebNf-33qo08h13yhe44lY", token);
        Assert.Equal(RentalTokenProblem.None, tokens.Verify("v1.a.1665964800.ZaMjcRiRTsi0QOWfMv7J_JebNf-33qo08h13yhe44lY", Rental, Rider));
    }

    [Fact]
    public void A_token_is_valid_through_its_expiry_second_and_expired_one_second_later()
    {
        var (tokens, clock) = Create(Duration.FromHours(1));
        var token = tokens.Issue(Rental, Rider);

        clock.Advance(Duration.FromHours(1));
        Assert.Equal(RentalTokenProblem.None, tokens.Verify(token, Rental, Rider));
        clock.Advance(Duration.FromMilliseconds(999));
        Assert.Equal(RentalTokenProblem.None, tokens.Verify(token, Rental, Rider));
        clock.Advance(Duration.FromMilliseconds(1));
        Assert.Equal(RentalTokenProblem.Expired, tokens.Verify(token, Rental, Rider));
    }

    [Fact]
    public void A_changed_expiry_breaks_the_signature()
    {
        var (tokens, _) = Create();
        var token = tokens.Issue(Rental, Rider);

        Assert.Equal(RentalTokenProblem.BadSignature, tokens.Verify(token.Replace(".1665964800.", ".1665964801.", StringComparison.Ordinal), Rental, Rider));
    }

    [Fact]
    public void Tokens_up_to_256_characters_are_read_longer_ones_are_malformed()
    {
        var (tokens, _) = Create();
        string TokenOfLength(int length)
        {
            var prefix = "v1.unknown.1665964800.";
            return prefix + new string('A', length - prefix.Length);
        }

        Assert.Equal(RentalTokenProblem.UnknownKey, tokens.Verify(TokenOfLength(256), Rental, Rider));
        Assert.Equal(RentalTokenProblem.Malformed, tokens.Verify(TokenOfLength(257), Rental, Rider));
    }

    [Theory]
    [InlineData("")]
    [InlineData("v1.a.1665964800")] // three parts
    [InlineData("v1.a.1665964800.sig.extra")] // five parts
    [InlineData("v2.a.1665964800.ZaMjcRiRTsi0QOWfMv7J_JebNf-33qo08h13yhe44lY")] // another version
    [InlineData("V1.a.1665964800.ZaMjcRiRTsi0QOWfMv7J_JebNf-33qo08h13yhe44lY")]
    [InlineData("v1.a.+1665964800.ZaMjcRiRTsi0QOWfMv7J_JebNf-33qo08h13yhe44lY")] // a sign
    [InlineData("v1.a.-1.ZaMjcRiRTsi0QOWfMv7J_JebNf-33qo08h13yhe44lY")]
    [InlineData("v1.a. 1665964800.ZaMjcRiRTsi0QOWfMv7J_JebNf-33qo08h13yhe44lY")] // white space
    [InlineData("v1.a.99999999999999999999.ZaMjcRiRTsi0QOWfMv7J_JebNf-33qo08h13yhe44lY")] // beyond a long
    [InlineData("v1.a.1665964800.A")] // base64url of length 1 (mod 4) is impossible
    [InlineData("v1.a.1665964800.AAAAA")]
    [InlineData("v1.a.1665964800.ZaMjcRiRTsi0QOWfMv7J!JebNf-33qo08h13yhe44lY")] // not base64url
    [InlineData("v1.a.01665964800.ZaMjcRiRTsi0QOWfMv7J_JebNf-33qo08h13yhe44lY")] // the valid token's expiry with a leading zero
    [InlineData("v1.a.1665964800.ZaMjcRiRTsi0QOWfMv7J_JebNf-33qo08h13yhe44lY=")] // the valid signature, padded
    [InlineData("v1.a.1665964800.ZaMjcRiRTsi0QOWfMv7J/JebNf+33qo08h13yhe44lY")] // the valid signature in standard base64
    public void Malformed_tokens_are_reported_as_malformed(string token)
    {
        var (tokens, _) = Create();

        Assert.Equal(RentalTokenProblem.Malformed, tokens.Verify(token, Rental, Rider));
    }

    [Theory]
    [InlineData("v1.a.1665964800.")] // empty signature
    [InlineData("v1.a.1665964800.AA")] // one byte (length 2 mod 4)
    [InlineData("v1.a.1665964800.AAA")] // two bytes (length 3 mod 4)
    [InlineData("v1.a.1665964800.AAAA")] // three bytes (length 0 mod 4)
    [InlineData("v1.a.1665964800.YaMjcRiRTsi0QOWfMv7J_JebNf-33qo08h13yhe44lY")] // first character changed
    [InlineData("v1.a.1665964800.ZaMjcRiRTsi0QOWfMv7J_JebNf-33qo08h13yhe4")] // truncated to 30 bytes
    [InlineData("v1.a.1665964800.ZaMjcRiRTsi0QOWfMv7J_JebNf-33qo08h13yhe44lZ")] // the same 32 bytes, with a trailing bit set
    [InlineData("v1.a.1665964800.ZaMjcRiRTsi0QOWfMv7J_JebNf-33qo08h13yhe44lb")] // the same 32 bytes, both trailing bits set
    public void Well_formed_tokens_with_another_signature_are_refused_as_bad_signatures(string token)
    {
        var (tokens, _) = Create();

        Assert.Equal(RentalTokenProblem.BadSignature, tokens.Verify(token, Rental, Rider));
    }

    [Fact]
    public void Key_ids_are_matched_exactly()
    {
        var (tokens, _) = Create();

        Assert.Equal(RentalTokenProblem.UnknownKey, tokens.Verify("v1.A.1665964800.ZaMjcRiRTsi0QOWfMv7J_JebNf-33qo08h13yhe44lY", Rental, Rider));
        Assert.Equal(RentalTokenProblem.UnknownKey, tokens.Verify("v1..1665964800.ZaMjcRiRTsi0QOWfMv7J_JebNf-33qo08h13yhe44lY", Rental, Rider));
    }

    [Fact]
    public void The_active_key_signs_new_tokens()
    {
        var clock = new FakeClock(Now);
        var options = new RentalTokenOptions { ActiveKeyId = "b", Lifetime = Duration.FromDays(2) };
        options.Keys.Add(Key("a", 'x'));
        options.Keys.Add(Key("b", 'y'));
        var tokens = new RentalTokens(options, clock);

        var token = tokens.Issue(Rental, Rider);

        Assert.StartsWith("v1.b.1665964800.", token, StringComparison.Ordinal);
        Assert.NotEqual("v1.b.1665964800.ZaMjcRiRTsi0QOWfMv7J_JebNf-33qo08h13yhe44lY", token);
        Assert.Equal(RentalTokenProblem.None, tokens.Verify(token, Rental, Rider));
        Assert.Equal(RentalTokenProblem.None, tokens.Verify("v1.a.1665964800.ZaMjcRiRTsi0QOWfMv7J_JebNf-33qo08h13yhe44lY", Rental, Rider));
    }

    [Fact]
    public void Null_options_or_clock_are_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => new RentalTokens(null!, new FakeClock(Now)));
        var options = new RentalTokenOptions { ActiveKeyId = "a" };
        options.Keys.Add(Key("a", 'x'));
        Assert.Throws<ArgumentNullException>(() => new RentalTokens(options, null!));
    }

    private static IReadOnlyList<ValidationError> Problems(RentalTokenOptions options)
        => OptionsValidation.Validate(new RentalTokenOptionsValidator(), options, "RentalTokens");

    private static RentalTokenOptions Options(params RentalTokenKey[] keys)
    {
        var options = new RentalTokenOptions { ActiveKeyId = keys.Length > 0 ? keys[0].KeyId : "a" };
        foreach (var key in keys)
        {
            options.Keys.Add(key);
        }

        return options;
    }

    [Fact]
    public void Options_with_a_32_character_key_id_a_32_byte_secret_and_lifetimes_of_1_hour_to_90_days_are_valid()
    {
        var options = Options(Key(new string('k', 32), 'x'), Key("a-b_C9", 'y', 64));
        Assert.Empty(Problems(options));

        options.Lifetime = Duration.FromHours(1);
        Assert.Empty(Problems(options));
        options.Lifetime = Duration.FromDays(90);
        Assert.Empty(Problems(options));
    }

    [Fact]
    public void No_keys_is_reported_with_its_code()
    {
        var error = Assert.Single(Problems(new RentalTokenOptions { ActiveKeyId = string.Empty }), e => e.Code == "BILLING_TOKENS_NO_KEYS");

        Assert.Equal("At least one rental token key is required.", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk")] // 33 characters
    [InlineData("a.b")]
    [InlineData("a b")]
    [InlineData("k\u00e9")]
    public void Key_ids_other_than_1_to_32_letters_digits_dashes_and_underscores_are_refused(string id)
    {
        var error = Assert.Single(Problems(Options(Key(id, 'x'))), e => e.Code == "BILLING_TOKENS_KEY_ID");

        Assert.Equal($"Key id '{id}' must be 1 to 32 letters, digits, '-' or '_'.", error.Message);
    }

    [Fact]
    public void A_null_key_id_is_refused()
        => Assert.Contains(Problems(Options(new RentalTokenKey { KeyId = null!, Secret = new byte[32] })), e => e.Code == "BILLING_TOKENS_KEY_ID");

    [Fact]
    public void A_secret_of_31_bytes_is_too_short()
    {
        var error = Assert.Single(Problems(Options(Key("a", 'x', 31))));

        Assert.Equal("BILLING_TOKENS_SECRET_TOO_SHORT", error.Code);
        Assert.Equal("The secret of key 'a' has 31 bytes; at least 32 are required.", error.Message);
    }

    [Fact]
    public void A_null_secret_is_too_short()
    {
        var error = Assert.Single(Problems(Options(new RentalTokenKey { KeyId = "a", Secret = null! })));

        Assert.Equal("BILLING_TOKENS_SECRET_TOO_SHORT", error.Code);
        Assert.Equal("The secret of key 'a' has 0 bytes; at least 32 are required.", error.Message);
    }

    [Fact]
    public void Repeated_key_ids_are_named()
    {
        var options = Options(Key("a", 'x'), Key("b", 'y'), Key("a", 'z'), Key("c", 'x'), Key("c", 'y'), Key("A", 'y'));

        var error = Assert.Single(Problems(options));

        Assert.Equal("BILLING_TOKENS_DUPLICATE_KEY_ID", error.Code);
        Assert.Equal("Key ids must be unique; repeated: 'a', 'c'.", error.Message);
    }

    [Fact]
    public void The_active_key_must_be_one_of_the_keys()
    {
        var options = Options(Key("a", 'x'));
        options.ActiveKeyId = "A";

        var error = Assert.Single(Problems(options));

        Assert.Equal("BILLING_TOKENS_ACTIVE_KEY_MISSING", error.Code);
        Assert.Equal("RentalTokens.ActiveKeyId", error.Path);
        Assert.Equal("The active key 'A' is not among the keys.", error.Message);
    }

    [Theory]
    [InlineData(59 * 60)]
    [InlineData((90 * 86_400) + 1)]
    [InlineData(0)]
    public void Lifetimes_outside_1_hour_to_90_days_are_refused(long seconds)
    {
        var options = Options(Key("a", 'x'));
        options.Lifetime = Duration.FromSeconds(seconds);

        var error = Assert.Single(Problems(options));

        Assert.Equal("BILLING_TOKENS_LIFETIME_RANGE", error.Code);
        Assert.Equal($"Lifetime must be between 1 hour and 90 days; got {Duration.FromSeconds(seconds)}.", error.Message);
    }
}
