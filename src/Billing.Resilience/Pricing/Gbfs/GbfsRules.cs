using System.Linq.Expressions;
using System.Text.Json;
using FluentValidation;
using static System.FormattableString;

namespace Billing.Resilience.Pricing;

/// <summary>
/// What a failed GBFS rule carries to the import result: the JSON path and the message as written. FluentValidation
/// runs messages through its placeholder formatter, which would rewrite a feed value that happens to contain
/// "{PropertyValue}"; the state keeps the message verbatim.
/// </summary>
internal sealed record GbfsFailure(string Path, string Message);

/// <summary>The building blocks the GBFS validators share: failure codes with paths, JSON types, money and limits.</summary>
internal static class GbfsRules
{
    /// <summary>Ends a check: its error code, and a message that prints the offending value, reported at the field's path.</summary>
    public static IRuleBuilderOptions<T, GbfsField> Fails<T>(this IRuleBuilderOptions<T, GbfsField> rule, string code, Func<T, GbfsField, string> message)
        => rule.WithErrorCode(code)
            .WithMessage(message)
            .WithState((root, field) => new GbfsFailure(field.Path, message(root, field)));

    /// <inheritdoc cref="Fails{T}(IRuleBuilderOptions{T, GbfsField}, string, Func{T, GbfsField, string})"/>
    public static IRuleBuilderOptions<T, GbfsField> Fails<T>(this IRuleBuilderOptions<T, GbfsField> rule, string code, Func<GbfsField, string> message)
        => rule.Fails(code, (_, field) => message(field));

    /// <summary>Ends a check that only warns: the input is accepted as it is.</summary>
    public static IRuleBuilderOptions<T, GbfsField> Warns<T>(this IRuleBuilderOptions<T, GbfsField> rule, string code, Func<T, GbfsField, string> message)
        => rule.Fails(code, message).WithSeverity(Severity.Warning);

    /// <inheritdoc cref="Warns{T}(IRuleBuilderOptions{T, GbfsField}, string, Func{T, GbfsField, string})"/>
    public static IRuleBuilderOptions<T, GbfsField> Warns<T>(this IRuleBuilderOptions<T, GbfsField> rule, string code, Func<GbfsField, string> message)
        => rule.Warns(code, (_, field) => message(field));

    /// <summary>The field is present and not null.</summary>
    public static IRuleBuilderOptions<T, GbfsField> Present<T>(this IRuleBuilder<T, GbfsField> rule)
        => rule.Must(field => !field.IsMissing)
            .Fails(GbfsImportCodes.MissingField, field => field.Kind == JsonValueKind.Null
                ? $"required field \"{field.Name}\" is null"
                : $"required field \"{field.Name}\" is missing");

    /// <summary>The field has the expected JSON type (checked after <see cref="Present{T}"/>, or on an optional field that is given).</summary>
    public static IRuleBuilderOptions<T, GbfsField> HasType<T>(this IRuleBuilder<T, GbfsField> rule, Func<GbfsField, bool> isExpected, string expected)
        => rule.Must(isExpected)
            .Fails(GbfsImportCodes.WrongType, field => $"must be {expected}, but is {GbfsField.Describe(field.Kind)}: {field.Shown}");

    /// <summary>A JSON number a decimal holds exactly (or, with <paramref name="allowString"/>, a string holding a plain decimal).</summary>
    public static IRuleBuilderOptions<T, GbfsField> ExactDecimal<T>(this IRuleBuilder<T, GbfsField> rule, bool allowString)
        => rule.Must(field => allowString ? field.TryGetDecimalOrDecimalString(out _) : field.TryGetDecimal(out _))
            .Fails(GbfsImportCodes.InvalidNumber, field => field.Kind == JsonValueKind.String
                ? $"{field.Shown} is not a plain decimal number such as \"1.00\""
                : $"{field.Shown} cannot be held exactly as a decimal (28 significant digits at most, 28 decimal places at most, below 7.9E28)");

    /// <summary>The decimal (checked by <see cref="ExactDecimal{T}"/>) is not negative.</summary>
    public static IRuleBuilderOptions<T, GbfsField> NotNegative<T>(this IRuleBuilder<T, GbfsField> rule)
        => rule.Must(field => ValueOf(field) >= 0)
            .Fails(GbfsImportCodes.NegativePrice, field => $"\"{field.Name}\" must not be negative, but is {field.Shown}");

    /// <summary>The decimal (checked by <see cref="ExactDecimal{T}"/>) is within <see cref="GbfsPricingPlans.MaxAmount"/> of zero.</summary>
    public static IRuleBuilderOptions<T, GbfsField> WithinMaxAmount<T>(this IRuleBuilder<T, GbfsField> rule)
        => rule.Must(field => Math.Abs(ValueOf(field)) <= GbfsPricingPlans.MaxAmount)
            .Fails(GbfsImportCodes.AmountTooLarge, field => Invariant($"{field.Shown} is beyond the limit of {GbfsPricingPlans.MaxAmount} (in absolute value)"));

    /// <summary>
    /// Rules for an amount of money: present (when required), a number (or a decimal string when allowed), exact,
    /// within the limit, not negative unless allowed; and a warning when it has more decimals than the currency.
    /// </summary>
    public static void Amount<T>(
        this AbstractValidator<T> validator,
        Expression<Func<T, GbfsField>> property,
        Func<T, CurrencyCode?> currency,
        bool required,
        bool allowString = false,
        bool allowNegative = false)
    {
        var read = property.Compile();
        var type = allowString ? "a number (or, as GBFS 2.x allows, a string holding a decimal)" : "a number";
        IRuleBuilder<T, GbfsField> rule = validator.RuleFor(property).Cascade(CascadeMode.Stop);
        if (required)
        {
            rule = rule.Present();
        }

        var checks = rule
            .HasType(field => field.Kind == JsonValueKind.Number || (allowString && field.Kind == JsonValueKind.String), type)
            .ExactDecimal(allowString)
            .WithinMaxAmount();
        if (!allowNegative)
        {
            checks = checks.NotNegative();
        }

        if (!required)
        {
            checks.When(root => !read(root).IsMissing);
        }

        validator.RuleFor(property)
            .Must((root, field) => currency(root) is not { } code || GbfsNumber.FitsMinorUnit(ValueOf(field), code))
            .Warns(GbfsImportCodes.ExcessDecimals, (root, field) => Invariant(
                $"{field.Shown} has more decimals than {currency(root)!.Value.Code} has minor digits ({currency(root)!.Value.MinorDigits}); kept exact, the fare is rounded once at the end"))
            .When(root => IsReadable(read(root), allowString));
    }

    /// <summary>Reports each repeated member of an object.</summary>
    public static void NoDuplicateMembers<T>(this AbstractValidator<T> validator, Expression<Func<T, IEnumerable<GbfsField>>> duplicates)
        => validator.RuleForEach(duplicates)
            .Must(_ => false)
            .Fails(GbfsImportCodes.DuplicateProperty, field => $"\"{field.Name}\" appears more than once in the object (again as {field.Shown}), so its value is ambiguous");

    /// <summary>Whether the field holds an amount the rules accept as a number (a string only when allowed).</summary>
    public static bool IsReadable(GbfsField field, bool allowString)
        => field.Kind == JsonValueKind.Number ? field.TryGetDecimal(out _) : allowString && field.TryGetDecimalOrDecimalString(out _);

    /// <summary>The decimal of a field the rules have checked; 0 for anything else (only reached after those checks).</summary>
    public static decimal ValueOf(GbfsField field) => field.TryGetDecimalOrDecimalString(out var value) ? value : 0;
}
