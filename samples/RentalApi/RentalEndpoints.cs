using Billing.Resilience;
using Billing.Resilience.Outages;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;

namespace RentalApi;

/// <summary>The endpoints a rider's app, the vehicles and support tools call.</summary>
public static class RentalEndpoints
{
    /// <summary>Seconds a client should wait before trying a start again while a backend is down.</summary>
    public const int RetryAfterSeconds = 30;

    /// <summary>Maps /rentals.</summary>
    public static IEndpointRouteBuilder MapRentalEndpoints(this IEndpointRouteBuilder routes)
    {
        var rentals = routes.MapGroup("/rentals");
        rentals.MapPost("/", StartAsync);
        rentals.MapPost("/{rentalId}/end", EndAsync);
        rentals.MapPost("/{rentalId}/distance", DistanceAsync);
        rentals.MapGet("/{rentalId}", GetAsync);
        return routes;
    }

    /// <summary>Maps GET /health.</summary>
    public static IEndpointRouteBuilder MapHealthEndpoint(this IEndpointRouteBuilder routes)
    {
        // Always 200 while the process runs: ending rentals needs no dependency. The body says what is down.
        routes.MapGet("/health", (DependencyHealth health, Reconciler reconciler) => Results.Ok(HealthDto.From(health, reconciler)));
        return routes;
    }

    /// <summary>Starts a rental: 201 with the rental token, 400 for bad input, 409 for another rental with the id, 503 while payment or login is down.</summary>
    private static async Task<IResult> StartAsync(StartRentalRequest? body, RentalService rentals, DependencyHealth health, HttpContext http, CancellationToken cancellationToken)
    {
        if (body is null)
        {
            return Problems.Validation([new ValidationError("body", "RENTAL_API_BODY_REQUIRED", "A JSON body is required.")]);
        }

        var command = new StartRental(body.RentalId ?? string.Empty, body.RiderId ?? string.Empty, body.PlanId ?? string.Empty, body.Credential);
        var result = await rentals.StartAsync(command, cancellationToken);
        switch (result.Refusal)
        {
            case StartRefusal.None:
                return Results.Created(
                    $"/rentals/{Uri.EscapeDataString(command.RentalId)}",
                    new StartRentalResponse(command.RentalId, command.RiderId, command.PlanId, Iso.Format(result.StartedAt!.Value), result.RentalToken!));
            case StartRefusal.InvalidCommand:
            case StartRefusal.UnknownPlan:
                return Problems.Validation(result.Errors);
            case StartRefusal.DuplicateRental:
                return Problems.Of(StatusCodes.Status409Conflict, "Rental exists", "duplicateRental", result.Errors);
            case StartRefusal.PaymentUnavailable:
            case StartRefusal.IdentityUnavailable:
                var dependency = result.Refusal == StartRefusal.PaymentUnavailable ? Dependency.Payment : Dependency.Identity;
                http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Problems.Of(
                    StatusCodes.Status503ServiceUnavailable,
                    dependency == Dependency.Payment ? "Payment backend unavailable" : "Identity backend unavailable",
                    result.Refusal == StartRefusal.PaymentUnavailable ? "paymentUnavailable" : "identityUnavailable",
                    [],
                    health.CurrentOutage(dependency)?.OutageId);
            case StartRefusal.RiderNotAuthenticated:
                return Problems.Of(StatusCodes.Status403Forbidden, "Rider not authenticated", "riderNotAuthenticated", []);
            case StartRefusal.HoldDeclined:
                return Problems.Of(StatusCodes.Status402PaymentRequired, "Hold declined", "holdDeclined", []);
            default:
                return Problems.Of(StatusCodes.Status500InternalServerError, "Start refused", result.Refusal.ToString(), result.Errors);
        }
    }

    /// <summary>Records an end signal: 202 whatever is down, with the end as it stands.</summary>
    private static async Task<IResult> EndAsync(string rentalId, EndRentalRequest? body, RentalService rentals, CancellationToken cancellationToken)
    {
        var errors = new List<ValidationError>();
        if (!Iso.TryParse(body?.At, out var at))
        {
            errors.Add(new ValidationError("at", "RENTAL_API_AT_INVALID", $"'{body?.At}' is not an ISO 8601 time with an offset, such as 2022-10-15T21:15:00+09:00."));
        }

        if (!Enum.TryParse<EndSignalSource>(body?.Source, ignoreCase: true, out var source) || !Enum.IsDefined(source) || int.TryParse(body?.Source, out _))
        {
            errors.Add(new ValidationError("source", "RENTAL_API_SOURCE_INVALID", $"'{body?.Source}' is not one of rider, vehicle, operator."));
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var receipt = await rentals.ReportEndAsync(new ReportEndSignal(rentalId, at, source, body!.RentalToken), cancellationToken);
        if (!receipt.Accepted)
        {
            return Problems.FromErrors(receipt.Errors);
        }

        return Results.Accepted(
            $"/rentals/{Uri.EscapeDataString(rentalId)}",
            new EndRentalResponse(rentalId, receipt.Duplicate, receipt.End is { } end ? Iso.Format(end) : null, receipt.Rejection));
    }

    /// <summary>Records telemetry: 202, or 400/404.</summary>
    private static async Task<IResult> DistanceAsync(string rentalId, DistanceRequest? body, RentalService rentals, CancellationToken cancellationToken)
    {
        var errors = new List<ValidationError>();
        if (!Iso.TryParse(body?.At, out var at))
        {
            errors.Add(new ValidationError("at", "RENTAL_API_AT_INVALID", $"'{body?.At}' is not an ISO 8601 time with an offset, such as 2022-10-15T21:15:00+09:00."));
        }

        if (body?.Kilometres is null)
        {
            errors.Add(new ValidationError("kilometres", "RENTAL_API_KILOMETRES_REQUIRED", "kilometres is required."));
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var problems = await rentals.RecordDistanceAsync(new RecordDistance(rentalId, at, body!.Kilometres!.Value), cancellationToken);
        return problems.Count == 0 ? Results.Accepted($"/rentals/{Uri.EscapeDataString(rentalId)}") : Problems.FromErrors(problems);
    }

    /// <summary>The statement: status, billable and frozen time, charge with line items, frozen intervals with their outages, the naive charge.</summary>
    private static async Task<IResult> GetAsync(string rentalId, RentalService rentals, CancellationToken cancellationToken)
    {
        var statement = await rentals.GetStatementAsync(rentalId, cancellationToken);
        return statement is null
            ? Problems.Of(StatusCodes.Status404NotFound, "Rental not found", "rentalUnknown", [])
            : Results.Ok(StatementDto.From(statement));
    }
}
