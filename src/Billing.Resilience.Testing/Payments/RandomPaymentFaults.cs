using System.Globalization;

namespace Billing.Resilience.Testing;

/// <summary>
/// Seeded random faults for a <see cref="SimulatedPaymentGateway"/>: on every call that reaches the gateway one number is
/// drawn from a <see cref="Random"/> seeded with <see cref="Seed"/>, and picks a fault with the given rates. The same seed
/// and the same sequence of calls give the same faults.
/// </summary>
/// <remarks>
/// A draw happens on every call that reaches the gateway, also when a scripted <see cref="PaymentFault"/> takes precedence,
/// so adding a scripted fault does not shift the random faults of later calls. Under concurrent callers the sequence of
/// calls is the order in which they take the gateway's lock; replay them in the same order to get the same faults.
/// Rates are probabilities in [0, 1] whose sum is at most 1; the rest of the time the call is not faulted.
/// </remarks>
public sealed class RandomPaymentFaults
{
    /// <summary>Creates random faults drawn from <paramref name="seed"/>, with every rate zero.</summary>
    public RandomPaymentFaults(int seed) => Seed = seed;

    /// <summary>Gets the seed of the gateway's own <see cref="Random"/>.</summary>
    public int Seed { get; }

    /// <summary>Gets or sets the probability of <see cref="PaymentFaultKind.LostResponse"/>.</summary>
    /// <value>The default value is 0.</value>
    public double LostResponseRate { get; set; }

    /// <summary>Gets or sets the probability of <see cref="PaymentFaultKind.Timeout"/>.</summary>
    /// <value>The default value is 0.</value>
    public double TimeoutRate { get; set; }

    /// <summary>Gets or sets the probability of <see cref="PaymentFaultKind.Error"/>.</summary>
    /// <value>The default value is 0.</value>
    public double ErrorRate { get; set; }

    /// <summary>Gets or sets the probability of <see cref="PaymentFaultKind.Decline"/>.</summary>
    /// <value>The default value is 0.</value>
    public double DeclineRate { get; set; }

    /// <summary>Gets or sets the probability of <see cref="PaymentFaultKind.Slow"/>.</summary>
    /// <value>The default value is 0.</value>
    public double SlowRate { get; set; }

    internal void Validate(List<string> errors)
    {
        Check(errors, nameof(LostResponseRate), LostResponseRate);
        Check(errors, nameof(TimeoutRate), TimeoutRate);
        Check(errors, nameof(ErrorRate), ErrorRate);
        Check(errors, nameof(DeclineRate), DeclineRate);
        Check(errors, nameof(SlowRate), SlowRate);
        var sum = new[] { LostResponseRate, TimeoutRate, ErrorRate, DeclineRate, SlowRate }.Where(r => r is >= 0 and <= 1).Sum();
        if (sum > 1)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"RandomFaults: the rates add up to {sum}, more than 1."));
        }
    }

    private static void Check(List<string> errors, string name, double rate)
    {
        if (!(rate >= 0 && rate <= 1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"RandomFaults.{name} is a probability in [0, 1]; got {rate}."));
        }
    }

    internal RandomPaymentFaults Copy() => new(Seed)
    {
        LostResponseRate = LostResponseRate,
        TimeoutRate = TimeoutRate,
        ErrorRate = ErrorRate,
        DeclineRate = DeclineRate,
        SlowRate = SlowRate,
    };

    /// <summary>Maps one uniform draw in [0, 1) to a fault, in the order lost response, timeout, error, decline, slow.</summary>
    internal PaymentFaultKind? Pick(double draw)
    {
        var edge = LostResponseRate;
        if (draw < edge)
        {
            return PaymentFaultKind.LostResponse;
        }

        edge += TimeoutRate;
        if (draw < edge)
        {
            return PaymentFaultKind.Timeout;
        }

        edge += ErrorRate;
        if (draw < edge)
        {
            return PaymentFaultKind.Error;
        }

        edge += DeclineRate;
        if (draw < edge)
        {
            return PaymentFaultKind.Decline;
        }

        edge += SlowRate;
        return draw < edge ? PaymentFaultKind.Slow : null;
    }
}
