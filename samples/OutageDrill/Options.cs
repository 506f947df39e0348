namespace OutageDrill;

/// <summary>A minimal parser for "--name value" options; unknown or repeated options are errors.</summary>
internal static class Options
{
    public static Dictionary<string, string> Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> known, out string? problem)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        problem = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (!known.Contains(name))
            {
                problem = $"unknown option '{name}' (options: {string.Join(", ", known)})";
                return result;
            }

            if (i + 1 >= args.Count)
            {
                problem = $"option {name} needs a value";
                return result;
            }

            if (!result.TryAdd(name, args[++i]))
            {
                problem = $"option {name} is given twice";
                return result;
            }
        }

        return result;
    }
}
