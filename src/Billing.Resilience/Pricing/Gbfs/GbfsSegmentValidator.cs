using System.Text.Json;
using FluentValidation;
using static System.FormattableString;

namespace Billing.Resilience.Pricing;

/// <summary>Validates one <c>per_min_pricing</c> or <c>per_km_pricing</c> segment as written.</summary>
internal sealed class GbfsSegmentValidator : AbstractValidator<GbfsRawSegment>
{
    private GbfsSegmentValidator()
    {
        RuleFor(segment => segment.Self)
            .HasType(self => self.Kind == JsonValueKind.Object, "a segment object {\"start\", \"rate\", \"interval\", \"end\"}");

        When(segment => segment.Self.Kind == JsonValueKind.Object, () =>
        {
            this.NoDuplicateMembers(segment => segment.DuplicateMembers);
            RuleFor(segment => segment.Start)
                .Cascade(CascadeMode.Stop)
                .Present()
                .HasType(start => start.Kind == JsonValueKind.Number, "a number")
                .Must(start => start.IsNonNegativeInt32)
                .Fails(GbfsImportCodes.SegmentStartInvalid, (segment, start) => WholeNumberMessage("start", segment, start));
            this.Amount(segment => segment.Rate, segment => segment.Plan.KnownCurrency, required: true, allowNegative: true);
            RuleFor(segment => segment.Interval)
                .Cascade(CascadeMode.Stop)
                .Present()
                .HasType(interval => interval.Kind == JsonValueKind.Number, "a number")
                .Must(interval => interval.IsNonNegativeInt32)
                .Fails(GbfsImportCodes.SegmentIntervalInvalid, (segment, interval) => WholeNumberMessage("interval", segment, interval));
            RuleFor(segment => segment.End)
                .Cascade(CascadeMode.Stop)
                .HasType(end => end.Kind == JsonValueKind.Number, "a number")
                .Must(end => end.IsNonNegativeInt32)
                .Fails(GbfsImportCodes.SegmentEndInvalid, (segment, end) => WholeNumberMessage("end", segment, end))
                .Must((segment, end) => !segment.Start.IsNonNegativeInt32 || Int(end) > Int(segment.Start))
                .Fails(GbfsImportCodes.SegmentEndNotAfterStart, (segment, end) => $"end {end.Shown} is not after start {segment.Start.Shown}")
                .When(segment => !segment.End.IsMissing);
            RuleFor(segment => segment.Interval)
                .Must((segment, interval) => !IntervalExceedsSegment(segment))
                .Warns(GbfsImportCodes.IntervalExceedsSegment, (segment, interval) => Invariant(
                    $"interval {interval.Shown} is longer than the segment from {segment.Start.Shown} to {segment.End.Shown} ({Int(segment.End) - Int(segment.Start)} {segment.Unit}s): the rate is charged at most once, and never when only completed intervals are charged"));
        });
    }

    /// <summary>Gets the validator; it is immutable and thread-safe.</summary>
    public static GbfsSegmentValidator Instance { get; } = new();

    private static string WholeNumberMessage(string name, GbfsRawSegment segment, GbfsField field)
        => Invariant($"{name} must be a whole number of {segment.Unit}s from 0 to {int.MaxValue}, but is {field.Shown}");

    private static bool IntervalExceedsSegment(GbfsRawSegment segment)
        => segment.Start.IsNonNegativeInt32
        && segment.Interval.IsNonNegativeInt32
        && segment.End.IsNonNegativeInt32
        && Int(segment.End) > Int(segment.Start)
        && Int(segment.Interval) > (long)Int(segment.End) - Int(segment.Start);

    private static int Int(GbfsField field) => field.TryGetInt32(out var value) ? value : 0;
}
