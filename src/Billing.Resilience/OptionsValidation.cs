using FluentValidation;

namespace Billing.Resilience;

/// <summary>Runs an options validator and reports every failure in one exception.</summary>
internal static class OptionsValidation
{
    public static IReadOnlyList<ValidationError> Validate<T>(IValidator<T> validator, T options, string prefix)
    {
        var result = validator.Validate(options);
        return result.Errors
            .Select(f => new ValidationError(string.IsNullOrEmpty(f.PropertyName) ? prefix : prefix + "." + f.PropertyName, f.ErrorCode, f.ErrorMessage))
            .ToArray();
    }

    public static void ThrowIfInvalid<T>(IValidator<T> validator, T options, string prefix)
    {
        var errors = Validate(validator, options, prefix);
        if (errors.Count > 0)
        {
            throw new InvalidInputException(errors);
        }
    }
}
