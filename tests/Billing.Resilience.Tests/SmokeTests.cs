namespace Billing.Resilience.Tests;

public class SmokeTests
{
    [Fact]
    public void Krw_has_no_minor_digits() => Assert.Equal(0, CurrencyCode.KRW.MinorDigits);
}
