using FluentValidation;
using FluentValidation.Results;
using static System.FormattableString;

namespace Billing.Resilience.Pricing;

/// <summary>
/// Collects the errors and warnings of one import in document order, each list bounded by
/// <see cref="GbfsPricingPlans.MaxReportedProblems"/>: past it, one last entry says that more were found.
/// </summary>
internal sealed class GbfsProblems(string rootPath)
{
    private readonly List<ValidationError> errors = [];
    private readonly List<ValidationError> warnings = [];

    /// <summary>Gets a value indicating whether the error list is full: validation can stop, nothing more would be reported.</summary>
    public bool ErrorsFull => errors.Count > GbfsPricingPlans.MaxReportedProblems;

    public bool HasErrors => errors.Count > 0;

    public IReadOnlyList<ValidationError> Errors => errors.AsReadOnly();

    public IReadOnlyList<ValidationError> Warnings => warnings.AsReadOnly();

    public void Error(string path, string code, string message)
        => Add(errors, new ValidationError(path, code, message), GbfsImportCodes.TooManyErrors, "errors");

    public void Warning(string path, string code, string message)
        => Add(warnings, new ValidationError(path, code, message), GbfsImportCodes.TooManyWarnings, "warnings");

    /// <summary>Adds what a GBFS validator found; every rule of those validators ends in <see cref="GbfsRules.Fails{T}(IRuleBuilderOptions{T, GbfsField}, string, Func{GbfsField, string})"/>.</summary>
    public void Add(ValidationResult result)
    {
        foreach (var failure in result.Errors)
        {
            var state = failure.CustomState as GbfsFailure
                ?? throw new InvariantViolationException($"A GBFS rule without a path failed: {failure.ErrorCode} {failure.ErrorMessage}");
            if (failure.Severity == Severity.Error)
            {
                Error(state.Path, failure.ErrorCode, state.Message);
            }
            else
            {
                Warning(state.Path, failure.ErrorCode, state.Message);
            }
        }
    }

    private void Add(List<ValidationError> list, ValidationError problem, string overflowCode, string kind)
    {
        var limit = GbfsPricingPlans.MaxReportedProblems;
        if (list.Count < limit)
        {
            list.Add(problem);
        }
        else if (list.Count == limit)
        {
            list.Add(new ValidationError(rootPath, overflowCode, Invariant($"more than {limit} {kind}; only the first {limit} are listed")));
        }
    }
}
