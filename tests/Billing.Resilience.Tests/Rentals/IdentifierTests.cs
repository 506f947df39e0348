using Billing.Resilience.Rentals;

namespace Billing.Resilience.Tests.Rentals;

/// <summary>Rental and rider ids: 1 to 128 printable ASCII characters, no space and no '|'.</summary>
public class IdentifierTests
{
    [Theory]
    [InlineData("!")]
    [InlineData("~")]
    [InlineData("r-1")]
    public void Printable_ASCII_ids_are_accepted(string id)
    {
        Assert.Equal(id, RentalId.From(id).Value);
        Assert.Equal(id, RiderId.From(id).Value);
        Assert.True(RentalId.IsValid(id));
        Assert.True(RiderId.IsValid(id));
    }

    [Fact]
    public void Ids_of_128_characters_are_accepted_and_of_129_refused()
    {
        Assert.True(RentalId.IsValid(new string('r', 128)));
        Assert.False(RentalId.IsValid(new string('r', 129)));
        Assert.Equal(128, RiderId.From(new string('u', 128)).Value.Length);
        Assert.False(RiderId.IsValid(new string('u', 129)));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("r 1")]
    [InlineData("r|1")]
    [InlineData("r\u007f")]
    [InlineData("r\u00e9")]
    public void Other_ids_are_refused_with_what_was_given(string id)
    {
        Assert.False(RentalId.IsValid(id));
        var rental = Assert.Throws<ArgumentException>(() => RentalId.From(id));
        Assert.Equal("value", rental.ParamName);
        Assert.StartsWith($"A rental id has 1 to 128 printable ASCII characters without spaces or '|'; got '{id}'.", rental.Message, StringComparison.Ordinal);

        var rider = Assert.Throws<ArgumentException>(() => RiderId.From(id));
        Assert.StartsWith($"A rider id has 1 to 128 printable ASCII characters without spaces or '|'; got '{id}'.", rider.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_ids_are_refused()
    {
        Assert.False(RentalId.IsValid(null));
        Assert.Equal("value", Assert.Throws<ArgumentNullException>(() => RentalId.From(null!)).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentNullException>(() => RiderId.From(null!)).ParamName);
    }

    [Fact]
    public void A_default_id_has_empty_text()
    {
        Assert.Equal(string.Empty, default(RentalId).Value);
        Assert.Equal(string.Empty, default(RiderId).Value);
    }
}
