using System.Text.Json.Serialization;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Journal;

// The events the library writes. They are the audit trail: every amount is explained from them.
// Names and fields are a storage format: add fields as optional, never rename or remove.

/// <summary>A rental started: the rider was authenticated and, where configured, the hold placed.</summary>
internal sealed record RentalStarted(string RentalId, string RiderId, string PlanId, string Currency, Instant StartedAt, long? HoldMinorUnits);

/// <summary>A start was asked for and the hold attempted (outbox: written before the gateway call).</summary>
internal sealed record RentalRequested(string RentalId, string RiderId, string PlanId, string Currency, Instant RequestedAt, long HoldMinorUnits);

/// <summary>A start was refused after the hold was attempted.</summary>
internal sealed record RentalRefused(string Reason, Instant At);

/// <summary>An end signal arrived (valid or not: validity is decided when the rental is assessed).</summary>
internal sealed record EndSignalReceived(Instant At, Instant ReceivedAt, EndSignalSource Source);

/// <summary>Telemetry: kilometres travelled at a time.</summary>
internal sealed record DistanceRecorded(Instant At, decimal Kilometres, Instant ReceivedAt);

/// <summary>A payment operation is about to be sent (outbox: written before the first call, reused on every retry).</summary>
internal sealed record PaymentRequested(string Key, PaymentOperationKind Kind, long AmountMinorUnits, string Currency, string Gateway, string? Reference, Instant At);

/// <summary>What became of a payment operation; Unknown outcomes are followed by another completion once resolved.</summary>
internal sealed record PaymentCompleted(string Key, PaymentOutcome Outcome, string? Reference, long? AmountMinorUnits, string? Reason, Instant At);

/// <summary>A dependency went down.</summary>
internal sealed record OutageBegan(string OutageId, Dependency Dependency, Instant At, string? Reason);

/// <summary>A dependency came back.</summary>
internal sealed record OutageEnded(string OutageId, Dependency Dependency, Instant At);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(InstantJsonConverter)])]
[JsonSerializable(typeof(RentalStarted))]
[JsonSerializable(typeof(RentalRequested))]
[JsonSerializable(typeof(RentalRefused))]
[JsonSerializable(typeof(EndSignalReceived))]
[JsonSerializable(typeof(DistanceRecorded))]
[JsonSerializable(typeof(PaymentRequested))]
[JsonSerializable(typeof(PaymentCompleted))]
[JsonSerializable(typeof(OutageBegan))]
[JsonSerializable(typeof(OutageEnded))]
internal sealed partial class EventJsonContext : JsonSerializerContext;
