using System.Globalization;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Catalogue;

/// <summary>
/// Attribute search as a query gives it: per numeric attribute (<see cref="Categories.NumericAttributes"/>, same order)
/// an exact value or an inclusive range (<c>name</c>, <c>name.min</c>, <c>name.max</c>), and for radio bands
/// <c>covers=f</c> or <c>overlaps=a,b</c> (MHz). Every filter names its category, so they must all name one, and the
/// <c>category</c> asked for if any: a standard has one category, so filters of two could match nothing.
/// </summary>
public sealed record AttributeQuery(IReadOnlyList<(string? Equal, string? Min, string? Max)> Numeric, string? Covers, string? Overlaps)
{
    public const string CoversName = "covers";
    public const string OverlapsName = "overlaps";

    /// <summary>The filter, adding to <paramref name="errors"/> each parameter that is wrong; null when there is none to apply or something is wrong.</summary>
    public AttributeFilter? Filter(string? category, ValidationErrors errors)
    {
        var before = errors.Count;
        var ranges = new List<AttributeRange>();
        var given = new List<(string Parameter, string Category)>();
        for (var i = 0; i < Numeric.Count; i++)
        {
            var (name, owner) = Categories.NumericAttributes[i];
            var (equal, min, max) = Numeric[i];
            var e = Number(errors, name, equal);
            var lo = Number(errors, $"{name}.min", min);
            var hi = Number(errors, $"{name}.max", max);
            if (equal is not null && (min is not null || max is not null))
            {
                errors.Add(name, $"Give '{name}' or a range ('{name}.min', '{name}.max'), not both.");
            }
            else if (lo > hi)
            {
                errors.Add($"{name}.min", $"'{name}.min' must not be greater than '{name}.max'.");
            }
            foreach (var (parameter, value) in new[] { (name, equal), ($"{name}.min", min), ($"{name}.max", max) })
            {
                if (value is not null)
                {
                    given.Add((parameter, owner));
                }
            }
            if (e is not null || lo is not null || hi is not null)
            {
                ranges.Add(new AttributeRange(name, e ?? lo ?? 0, e ?? hi ?? double.MaxValue));
            }
        }

        (double Low, double High)? overlaps = null;
        if (Covers is not null)
        {
            given.Add((CoversName, Categories.RadioBand));
            if (Number(errors, CoversName, Covers) is { } f)
            {
                overlaps = (f, f);
            }
        }
        if (Overlaps is not null)
        {
            given.Add((OverlapsName, Categories.RadioBand));
            var parts = Overlaps.Split(',');
            if (parts.Length == 2 && Parse(parts[0]) is { } a && Parse(parts[1]) is { } b && a <= b)
            {
                overlaps = (a, b);
            }
            else
            {
                errors.Add(OverlapsName, $"'{OverlapsName}' must be two numbers 'a,b' (MHz) with a <= b.");
            }
            if (Covers is not null)
            {
                errors.Add(CoversName, $"Give '{CoversName}' or '{OverlapsName}', not both.");
            }
        }

        // One category: the one asked for, else the first filter's.
        var wanted = Categories.IsKnown(category) ? category : given.Count > 0 ? given[0].Category : null;
        foreach (var (parameter, owner) in given.Where(g => g.Category != wanted))
        {
            errors.Add(parameter, $"'{parameter}' filters category '{owner}'; the {(Categories.IsKnown(category) ? "category asked for" : "other filters' category")} is '{wanted}'.");
        }
        return errors.Count > before || given.Count == 0 ? null : new AttributeFilter(ranges, overlaps);
    }

    private static double? Number(ValidationErrors errors, string parameter, string? text)
    {
        if (text is null)
        {
            return null;
        }
        if (Parse(text) is { } value)
        {
            return value;
        }
        errors.Add(parameter, $"'{parameter}' must be a finite number.");
        return null;
    }

    private static double? Parse(string text) =>
        text.Length <= 64 && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;
}
