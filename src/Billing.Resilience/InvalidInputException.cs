namespace Billing.Resilience;

/// <summary>Thrown by the <c>...OrThrow</c> conveniences when user input is invalid; carries every error found.</summary>
public sealed class InvalidInputException : ArgumentException
{
    /// <summary>Creates the exception from the errors found (at least one).</summary>
    public InvalidInputException(IReadOnlyList<ValidationError> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    /// <summary>Gets every error found, in document order.</summary>
    public IReadOnlyList<ValidationError> Errors { get; }

    private static string Format(IReadOnlyList<ValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return errors.Count switch
        {
            0 => "The input is invalid.",
            1 => errors[0].ToString(),
            _ => $"{errors.Count} errors: " + string.Join("; ", errors),
        };
    }
}
