using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using FluentValidation;
using NodaTime;

namespace Billing.Resilience.Rentals;

/// <summary>One HMAC key for rental tokens. Keep several to rotate: new tokens use the active key, old ones still verify.</summary>
public sealed class RentalTokenKey
{
    /// <summary>Gets or sets the key's id, written into every token (1 to 32 letters, digits, '-' or '_').</summary>
    public string KeyId { get; set; } = string.Empty;

    /// <summary>Gets or sets the secret, at least 32 bytes. Load it from your secret store, never from code.</summary>
    public byte[] Secret { get; set; } = [];
}

/// <summary>Options of <see cref="RentalTokens"/>.</summary>
public sealed class RentalTokenOptions
{
    /// <summary>Gets the keys that verify tokens; the one named by <see cref="ActiveKeyId"/> also signs new ones.</summary>
    public IList<RentalTokenKey> Keys { get; } = [];

    /// <summary>Gets or sets the id of the key that signs new tokens.</summary>
    public string ActiveKeyId { get; set; } = string.Empty;

    /// <summary>Gets or sets how long a token stays valid after the rental starts. It must outlive an outage: the rider ends the rental with it while login is down.</summary>
    /// <value>The default value is 7 days.</value>
    public Duration Lifetime { get; set; } = Duration.FromDays(7);
}

/// <summary>Validates <see cref="RentalTokenOptions"/>.</summary>
public sealed class RentalTokenOptionsValidator : AbstractValidator<RentalTokenOptions>
{
    /// <summary>Creates the validator.</summary>
    public RentalTokenOptionsValidator()
    {
        RuleFor(o => o.Keys).NotEmpty().WithErrorCode("BILLING_TOKENS_NO_KEYS").WithMessage("At least one rental token key is required.");
        RuleForEach(o => o.Keys).ChildRules(key =>
        {
            key.RuleFor(k => k.KeyId).Must(id => id is not null && System.Text.RegularExpressions.Regex.IsMatch(id, "^[A-Za-z0-9_-]{1,32}$")).WithErrorCode("BILLING_TOKENS_KEY_ID")
                .WithMessage(k => $"Key id '{k.KeyId}' must be 1 to 32 letters, digits, '-' or '_'.");
            key.RuleFor(k => k.Secret).Must(s => s is { Length: >= 32 }).WithErrorCode("BILLING_TOKENS_SECRET_TOO_SHORT")
                .WithMessage(k => $"The secret of key '{k.KeyId}' has {k.Secret?.Length ?? 0} bytes; at least 32 are required.");
        });
        RuleFor(o => o.Keys).Must(keys => keys.Select(k => k.KeyId).Distinct(StringComparer.Ordinal).Count() == keys.Count)
            .WithErrorCode("BILLING_TOKENS_DUPLICATE_KEY_ID")
            .WithMessage(o => "Key ids must be unique; repeated: " + string.Join(", ", o.Keys.GroupBy(k => k.KeyId, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"'{g.Key}'")) + ".");
        RuleFor(o => o.ActiveKeyId).Must((o, id) => o.Keys.Any(k => k.KeyId == id)).WithErrorCode("BILLING_TOKENS_ACTIVE_KEY_MISSING")
            .WithMessage(o => $"The active key '{o.ActiveKeyId}' is not among the keys.");
        RuleFor(o => o.Lifetime).Must(l => l >= Duration.FromHours(1) && l <= Duration.FromDays(90)).WithErrorCode("BILLING_TOKENS_LIFETIME_RANGE")
            .WithMessage(o => $"Lifetime must be between 1 hour and 90 days; got {o.Lifetime}.");
    }
}

/// <summary>Why a rental token was not accepted.</summary>
public enum RentalTokenProblem
{
    /// <summary>The token is valid for this rental.</summary>
    None = 0,

    /// <summary>The token is not in the expected form.</summary>
    Malformed = 1,

    /// <summary>The token names a key that is not configured (retired, or never ours).</summary>
    UnknownKey = 2,

    /// <summary>The signature does not match: the token was altered or forged.</summary>
    BadSignature = 3,

    /// <summary>The token is for another rental or rider.</summary>
    WrongRental = 4,

    /// <summary>The token has expired.</summary>
    Expired = 5,
}

/// <summary>
/// Issues and verifies rental tokens: an HMAC-SHA256 over the rental, the rider and an expiry, keyed by an operator
/// secret. The token is handed to the rider's app at start, so the app can end the rental even while login is down;
/// verifying it needs no remote system. Verification compares in constant time and supports key rotation.
/// </summary>
/// <remarks>Format: <c>v1.{keyId}.{expiry unix seconds}.{base64url HMAC}</c>; the rental and rider are bound by the MAC, not carried.</remarks>
public sealed class RentalTokens
{
    private const string Version = "v1";
    private const int MaxTokenLength = 256;
    private readonly RentalTokenOptions options;
    private readonly IClock clock;

    /// <summary>Creates the service; options are validated.</summary>
    /// <exception cref="InvalidInputException">The options are invalid (every problem is listed).</exception>
    public RentalTokens(RentalTokenOptions options, IClock clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        OptionsValidation.ThrowIfInvalid(new RentalTokenOptionsValidator(), options, "RentalTokens");
        this.options = options;
        this.clock = clock;
    }

    /// <summary>Issues a token for a rental, valid from now for the configured lifetime.</summary>
    public string Issue(RentalId rentalId, RiderId riderId)
    {
        var expiry = (clock.GetCurrentInstant() + options.Lifetime).ToUnixTimeSeconds();
        var key = options.Keys.First(k => k.KeyId == options.ActiveKeyId);
        return FormattableString.Invariant($"{Version}.{key.KeyId}.{expiry}.{Sign(key, rentalId, riderId, expiry)}");
    }

    /// <summary>Checks a token for a rental and rider at the clock's current time.</summary>
    public RentalTokenProblem Verify(string? token, RentalId rentalId, RiderId riderId)
    {
        if (token is null || token.Length > MaxTokenLength)
        {
            return RentalTokenProblem.Malformed;
        }

        var parts = token.Split('.');
        if (parts.Length != 4 || parts[0] != Version
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expiry))
        {
            return RentalTokenProblem.Malformed;
        }

        var key = options.Keys.FirstOrDefault(k => string.Equals(k.KeyId, parts[1], StringComparison.Ordinal));
        if (key is null)
        {
            return RentalTokenProblem.UnknownKey;
        }

        // One spelling per token: the expiry in digits without leading zeros, the signature in unpadded base64url whose
        // unused low bits are zero, as Issue writes them. Another spelling of the same values (a leading zero, '+' or
        // '/', padding, other trailing bits) is refused, so that a token cannot be altered and still verify.
        if (!string.Equals(parts[2], expiry.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal) || !IsBase64Url(parts[3]))
        {
            return RentalTokenProblem.Malformed;
        }

        var expected = Sign(key, rentalId, riderId, expiry);
        if (!CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(parts[3].AsSpan()), MemoryMarshal.AsBytes(expected.AsSpan())))
        {
            // The MAC binds rental and rider: a token of another rental fails here too.
            return RentalTokenProblem.BadSignature;
        }

        return clock.GetCurrentInstant().ToUnixTimeSeconds() > expiry ? RentalTokenProblem.Expired : RentalTokenProblem.None;
    }

    private static string Sign(RentalTokenKey key, RentalId rentalId, RiderId riderId, long expiry)
    {
        var message = Encoding.UTF8.GetBytes(FormattableString.Invariant($"{Version}|{key.KeyId}|{rentalId.Value}|{riderId.Value}|{expiry}"));
        var mac = HMACSHA256.HashData(key.Secret, message);
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Whether <paramref name="text"/> could be unpadded base64url: its alphabet, and a length that is not 1 more than a multiple of 4.</summary>
    private static bool IsBase64Url(string text)
    {
        if (text.Length % 4 == 1)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is not ((>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
