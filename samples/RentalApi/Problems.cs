using Billing.Resilience;

namespace RentalApi;

/// <summary>RFC 7807 problem details: every field named, every error with its stable code.</summary>
public static class Problems
{
    /// <summary>400 with <c>errors</c> (field to messages) and <c>codes</c> (field to codes).</summary>
    public static IResult Validation(IReadOnlyList<ValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var byField = errors.GroupBy(e => FieldOf(e.Path), StringComparer.Ordinal);
        return Results.ValidationProblem(
            byField.ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal),
            title: "The request is invalid",
            extensions: new Dictionary<string, object?>
            {
                ["codes"] = byField.ToDictionary(g => g.Key, g => g.Select(e => e.Code).ToArray(), StringComparer.Ordinal),
            });
    }

    /// <summary>A problem with a status, a title, a machine-readable <c>reason</c> and the errors, if any.</summary>
    public static IResult Of(int status, string title, string reason, IReadOnlyList<ValidationError> errors, string? outageId = null)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var extensions = new Dictionary<string, object?> { ["reason"] = reason };
        if (outageId is not null)
        {
            extensions["outageId"] = outageId;
        }

        if (errors.Count > 0)
        {
            extensions["errors"] = errors.Select(e => new { field = FieldOf(e.Path), code = e.Code, message = e.Message }).ToArray();
        }

        return Results.Problem(statusCode: status, title: title, detail: errors.Count > 0 ? string.Join(" ", errors.Select(e => e.Message)) : null, extensions: extensions);
    }

    /// <summary>Maps the errors of an end signal or telemetry: unknown rental 404, bad token 403, limit 409, else 400.</summary>
    public static IResult FromErrors(IReadOnlyList<ValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var code = errors.Count > 0 ? errors[0].Code : string.Empty;
        return code switch
        {
            "BILLING_RENTAL_UNKNOWN" => Of(StatusCodes.Status404NotFound, "Rental not found", "rentalUnknown", errors),
            _ when code.StartsWith("BILLING_RENTAL_TOKEN_", StringComparison.Ordinal) => Of(StatusCodes.Status403Forbidden, "Rental token not accepted", "rentalTokenRejected", errors),
            "BILLING_END_SIGNALS_LIMIT" or "BILLING_DISTANCE_LIMIT" => Of(StatusCodes.Status409Conflict, "Limit reached", "limitReached", errors),
            _ => Validation(errors),
        };
    }

    private static string FieldOf(string path) => path.Length == 0 ? "body" : char.ToLowerInvariant(path[0]) + path[1..];
}
