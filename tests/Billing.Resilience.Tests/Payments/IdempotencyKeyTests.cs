using Billing.Resilience.Payments;

namespace Billing.Resilience.Tests.Payments;

/// <summary>The idempotency key: its text rules (1 to 255 printable ASCII characters) and the key of a rental's step.</summary>
public class IdempotencyKeyTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(IdempotencyKey.MaxLength)]
    public void Keys_of_1_to_255_characters_are_accepted(int length)
    {
        var text = new string('k', length);

        Assert.Equal(text, IdempotencyKey.From(text).Value);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(IdempotencyKey.MaxLength + 1)]
    public void Keys_of_other_lengths_are_rejected_with_the_length(int length)
    {
        var ex = Assert.Throws<ArgumentException>(() => IdempotencyKey.From(new string('k', length)));

        Assert.Equal("value", ex.ParamName);
        Assert.StartsWith($"An idempotency key has 1 to 255 characters; got {length}.", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("!")] // the first printable character after the space
    [InlineData("~")] // the last printable ASCII character
    [InlineData("r-1/capture/1")]
    public void Printable_ASCII_without_spaces_is_accepted(string text)
        => Assert.Equal(text, IdempotencyKey.From(text).ToString());

    [Theory]
    [InlineData(" ")]
    [InlineData("r-1 capture")]
    [InlineData("\u007f")] // DEL, just after '~'
    [InlineData("\u001f")]
    [InlineData("r-1/caf\u00e9")]
    [InlineData("a\tb")]
    public void Spaces_control_characters_and_non_ASCII_are_rejected(string text)
    {
        var ex = Assert.Throws<ArgumentException>(() => IdempotencyKey.From(text));

        Assert.Equal("value", ex.ParamName);
        Assert.StartsWith($"An idempotency key is printable ASCII without spaces; '{text}' is not.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_text_is_rejected()
        => Assert.Throws<ArgumentNullException>(() => IdempotencyKey.From(null!));

    [Theory]
    [InlineData(PaymentOperationKind.Authorize, 1, "r-7/authorize/1")]
    [InlineData(PaymentOperationKind.Capture, 1, "r-7/capture/1")]
    [InlineData(PaymentOperationKind.Charge, 2, "r-7/charge/2")]
    [InlineData(PaymentOperationKind.Void, 1, "r-7/void/1")]
    [InlineData(PaymentOperationKind.Refund, 12, "r-7/refund/12")]
    public void A_rental_step_key_is_the_rental_the_lower_case_step_and_the_sequence(PaymentOperationKind kind, int sequence, string expected)
        => Assert.Equal(expected, IdempotencyKey.ForRental("r-7", kind, sequence).Value);

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Sequences_start_at_1(int sequence)
    {
        var ex = Assert.Throws<ArgumentException>(() => IdempotencyKey.ForRental("r-7", PaymentOperationKind.Charge, sequence));

        Assert.Equal("sequence", ex.ParamName);
        Assert.StartsWith("Sequences start at 1.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rental_step_key_needs_a_rental_id()
        => Assert.Throws<ArgumentNullException>(() => IdempotencyKey.ForRental(null!, PaymentOperationKind.Charge, 1));

    [Fact]
    public void Keys_are_equal_by_ordinal_text()
    {
        var a = IdempotencyKey.From("r-1/charge/1");
        var b = IdempotencyKey.From("r-1/charge/1");
        var upper = IdempotencyKey.From("R-1/CHARGE/1");

        Assert.True(a == b);
        Assert.False(a != b);
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.False(a == upper);
        Assert.True(a != upper);
        Assert.False(a.Equals((object)"r-1/charge/1"));
        Assert.Equal(2, new HashSet<IdempotencyKey> { a, b, upper }.Count);
    }

    [Fact]
    public void The_default_key_has_empty_text()
    {
        IdempotencyKey key = default;

        Assert.Equal(string.Empty, key.Value);
        Assert.Equal(string.Empty, key.ToString());
        Assert.Equal(key, default(IdempotencyKey));
    }
}
