namespace Billing.Resilience.Payments;

/// <summary>The operations a payment gateway offers, shaped like real providers.</summary>
public enum PaymentOperationKind
{
    /// <summary>Places a hold (pre-authorization) on the rider's payment method.</summary>
    Authorize = 0,

    /// <summary>Takes up to the held amount; a partial capture releases the rest of the hold.</summary>
    Capture = 1,

    /// <summary>Takes an amount without a hold.</summary>
    Charge = 2,

    /// <summary>Releases a hold without taking anything.</summary>
    Void = 3,

    /// <summary>Returns an amount that was captured or charged.</summary>
    Refund = 4,
}
