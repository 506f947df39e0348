using System.Text;
using Billing.Resilience.Tests.Corpus.Json;

namespace Billing.Resilience.Tests.Corpus.Fuzz;

/// <summary>
/// Makes malformed inputs out of valid ones, deterministically from a <see cref="Random"/>: value swaps (numbers,
/// strings, null, objects, arrays), huge and over-precise numbers, broken times and ids, removed, repeated and
/// renamed members, duplicated array items, subtrees spliced in from other seeds; then, on the text, byte flips,
/// truncation, inserted tokens, byte order marks, lone surrogates and trailing garbage.
/// </summary>
internal static class JsonMutator
{
    /// <summary>Values that have broken parsers and validators before, as raw JSON.</summary>
    private static readonly string[] Interesting =
    [
        "null", "true", "false", "0", "-0", "1", "-1", "0.5", "-0.01", "1.5", "60", "1e5", "1E5", "1e30", "-1e30", "1e400", "1e-30", "1e-400",
        "79228162514264337593543950336", "79228162514264337593543950335", "-79228162514264337593543950336", "9223372036854775808",
        "2147483647", "2147483648", "-2147483649", "4294967296", "1000000000", "1000000000.01", "0.1000000000000000000000000000001",
        "123456789012345678901234567890.5", "1.0e0", "0.0000001", "1000.000001", "86401", "3601",
        "\"\"", "\" \"", "\"1e5\"", "\"-5\"", "\"0\"", "\"0.0000001\"", "\"1,00\"", "\" 1\"", "\"NaN\"", "\"Infinity\"", "\"abc\"",
        "\"usd\"", "\"USD\"", "\"KRW\"", "\"XXX\"", "\"EURO\"", "\"payment\"", "\"identity\"", "\"Payment\"", "\"rider\"", "\"vehicle\"",
        "\"operator\"", "\"capture\"", "\"refund\"", "\"lostResponse\"", "\"timeout\"", "\"started\"", "\"completed\"", "\"kickboard\"",
        "\"bike\"", "\"r-1\"", "\"r 1\"", "\"r|1\"", "\"4111111111111111\"", "\"\\u0000\"", "\"\\ud800\"", "\"\\udfff\\ud800\"",
        "\"\\ud83d\\ude00\"", "\"a\\nb\"", "\"\\\\ud800\"",
        "\"2022-10-15T15:40:00+09:00\"", "\"2022-10-15T15:40:00Z\"", "\"2022-10-15T15:40:00\"", "\"2022-10-15\"", "\"1999-12-31T23:59:59Z\"",
        "\"2100-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59Z\"", "\"0001-01-01T00:00:00Z\"", "\"2022-13-01T00:00:00Z\"", "\"2022-10-15T25:00:00Z\"",
        "\"2022-10-15T15:40:00+24:00\"", "\"2022-10-15T15:40:60Z\"", "\"2022-10-15T15:40:00.123456789123Z\"", "\"2022-02-29T00:00:00Z\"",
        "{}", "[]", "[[]]", "{\"\":{}}", "{\"\":1,\"\":2}", "[null]", "[1,2,3]", "{\"start\":0,\"rate\":1,\"interval\":1}",
        "{\"plan_id\":\"p\",\"currency\":\"USD\",\"price\":1}", "{\"at\":\"2022-10-15T15:40:00+09:00\",\"km\":\"1\"}",
    ];

    private static readonly string[] Tokens = ["{", "}", "[", "]", ",", ":", "\"", "\\", "null", "-", "e", ".", "0", "\\u", "\\ud800", "//", "/*", "\u0000", "\uFEFF", "\ud800", "\u2028"];

    /// <summary>Mutates a copy of <paramref name="seed"/> and returns its text.</summary>
    public static string Mutate(JsonTree seed, IReadOnlyList<JsonTree> donors, Random random)
    {
        var tree = seed.Clone();
        var steps = 1 + random.Next(3);
        for (var i = 0; i < steps; i++)
        {
            tree = MutateTree(tree, donors, random);
        }

        var text = tree.ToString();
        return random.Next(4) == 0 ? MutateText(text, random) : text;
    }

    private static JsonTree MutateTree(JsonTree root, IReadOnlyList<JsonTree> donors, Random random)
    {
        var slots = new List<Slot>();
        Collect(root, slots);
        if (slots.Count == 0)
        {
            return new JsonRaw(Pick(Interesting, random));
        }

        var slot = slots[random.Next(slots.Count)];
        var value = slot.Get();
        switch (random.Next(12))
        {
            case 0:
            case 1:
                slot.Set(new JsonRaw(Pick(Interesting, random)));
                break;
            case 2:
                slot.Set(value is JsonRaw raw ? new JsonRaw(Tweak(raw.Raw, random)) : new JsonRaw(Pick(Interesting, random)));
                break;
            case 3:
                slot.Remove();
                break;
            case 4:
                // The same member again, with its value or another one.
                if (slot.Parent is JsonObject repeated)
                {
                    repeated.Members.Insert(random.Next(repeated.Members.Count + 1), new(slot.Name!, random.Next(2) == 0 ? value.Clone() : new JsonRaw(Pick(Interesting, random))));
                }

                break;
            case 5:
                // The same item again (a duplicate plan id, rental id, outage...), possibly with another payload.
                if (slot.Parent is JsonArray items)
                {
                    var copy = value.Clone();
                    items.Items.Insert(random.Next(items.Items.Count + 1), random.Next(2) == 0 ? copy : MutateTree(copy, donors, random));
                }

                break;
            case 6:
                var other = slots[random.Next(slots.Count)];
                var otherValue = other.Get();
                if (!Contains(value, otherValue) && !Contains(otherValue, value))
                {
                    slot.Set(otherValue);
                    other.Set(value);
                }

                break;
            case 7:
                if (slot.Parent is JsonObject renamed && slot.Name is { Length: > 0 } name)
                {
                    renamed.Members[slot.Index] = new(Rename(name, random), value);
                }

                break;
            case 8:
                var donorSlots = new List<Slot>();
                Collect(donors[random.Next(donors.Count)], donorSlots);
                if (donorSlots.Count > 0)
                {
                    slot.Set(donorSlots[random.Next(donorSlots.Count)].Get().Clone());
                }

                break;
            case 9:
                // Wrap: a value where an array or object of it belongs, or deep nesting.
                var depth = random.Next(4) == 0 ? 60 + random.Next(10) : 1;
                var wrapped = value;
                for (var d = 0; d < depth; d++)
                {
                    wrapped = random.Next(2) == 0 ? new JsonArray([wrapped]) : new JsonObject([new("x", wrapped)]);
                }

                slot.Set(wrapped);
                break;
            case 10:
                // Many of one thing: past the limits on arrays.
                if (slot.Parent is JsonArray many && random.Next(8) == 0)
                {
                    var count = Pick([65, 101, 1_001, 10_001], random);
                    many.Items.AddRange(Enumerable.Range(0, count).Select(_ => value.Clone()));
                }

                break;
            default:
                if (value is JsonObject emptied)
                {
                    emptied.Members.Clear();
                }
                else if (value is JsonArray cleared)
                {
                    cleared.Items.Clear();
                }
                else
                {
                    slot.Set(new JsonRaw(Tweak(((JsonRaw)value).Raw, random)));
                }

                break;
        }

        return root;
    }

    /// <summary>A scalar changed a little: a number made huge, negative or over-precise; a string cased, padded, broken.</summary>
    private static string Tweak(string raw, Random random)
    {
        if (raw.Length > 0 && (char.IsAsciiDigit(raw[0]) || raw[0] == '-'))
        {
            return random.Next(8) switch
            {
                0 => raw.StartsWith('-') ? raw[1..] : "-" + raw,
                1 => raw + "000000000000000000000",
                2 => raw + (raw.Contains('.', StringComparison.Ordinal) || raw.Contains('e', StringComparison.OrdinalIgnoreCase) ? "1" : ".0000000000000000000000000000001"),
                3 => raw + "e" + random.Next(-40, 40),
                4 => "\"" + raw + "\"",
                5 => raw + "." + new string('9', random.Next(1, 30)),
                6 => "0" + raw,
                _ => raw.Length > 1 ? raw[..^1] : "1e",
            };
        }

        if (raw.Length >= 2 && raw[0] == '"')
        {
            var inner = raw[1..^1];
            return random.Next(10) switch
            {
                0 => JsonTree.Quote(inner.ToUpperInvariant()),
                1 => JsonTree.Quote(inner.ToLowerInvariant()),
                2 => JsonTree.Quote(" " + inner),
                3 => JsonTree.Quote(inner + "|x"),
                4 => "\"" + inner + "\\ud800\"",
                5 => JsonTree.Quote(new string('x', 1 + random.Next(300))),
                6 => JsonTree.Quote(ShiftTime(inner, random)),
                7 => inner.Length > 0 ? JsonTree.Quote(inner[..random.Next(inner.Length)]) : "\"\\u0001\"",
                8 => inner,
                _ => JsonTree.Quote(inner + "\n" + inner),
            };
        }

        return Pick(Interesting, random);
    }

    /// <summary>An RFC 3339 time moved to another year, hour or offset, or cut short; other text as it is.</summary>
    private static string ShiftTime(string text, Random random)
    {
        if (text.Length < 19 || text[4] != '-' || text[10] != 'T')
        {
            return text;
        }

        return random.Next(6) switch
        {
            0 => Pick(["1970", "1999", "2000", "2099", "2100", "9999", "0001", "2023"], random) + text[4..],
            1 => text[..11] + Pick(["00", "23", "24", "99"], random) + text[13..],
            2 => text[..19] + Pick(["Z", "+14:00", "-12:00", "+18:00", "+99:00", "", "+0900", "z"], random),
            3 => text[..10],
            4 => text[..8] + Pick(["00", "31", "32", "29", "30"], random) + text[10..],
            _ => text.Replace('T', ' '),
        };
    }

    private static string Rename(string name, Random random) => random.Next(7) switch
    {
        5 => string.Empty,
        6 => name + "\u0000",
        0 => name.ToUpperInvariant(),
        1 => char.ToUpperInvariant(name[0]) + name[1..],
        2 => name + "s",
        3 => name.Replace('_', '-').Replace("Id", "_id", StringComparison.Ordinal),
        _ => name[..^1],
    };

    /// <summary>Text-level damage: what a truncated download, a bad editor or a broken pipe does to a file.</summary>
    public static string MutateText(string text, Random random)
    {
        switch (random.Next(9))
        {
            case 0:
                // Byte flips in the UTF-8, read back leniently (invalid bytes become U+FFFD, as a lenient reader does).
                var bytes = Encoding.UTF8.GetBytes(text);
                var flips = 1 + random.Next(4);
                for (var i = 0; i < flips && bytes.Length > 0; i++)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                return Encoding.UTF8.GetString(bytes);
            case 1:
                return text[..random.Next(text.Length + 1)];
            case 2:
                return text.Insert(random.Next(text.Length + 1), Pick(Tokens, random));
            case 3:
                var start = random.Next(text.Length + 1);
                return text.Remove(start, random.Next(Math.Min(64, text.Length - start) + 1));
            case 4:
                return new string('\uFEFF', 1 + random.Next(2)) + text;
            case 5:
                return text + Pick([" x", "}", "]", ",", "\0", "{}", "\n\n", "\ud800", "//", " null"], random);
            case 6:
                var at = random.Next(text.Length + 1);
                return text.Insert(at, "\ud800");
            case 7:
                var from = random.Next(text.Length + 1);
                var length = random.Next(Math.Min(200, text.Length - from) + 1);
                return text.Insert(random.Next(text.Length + 1), text.Substring(from, length));
            default:
                var c = random.Next(text.Length + 1);
                return c < text.Length ? string.Concat(text.AsSpan(0, c), ((char)random.Next(0, 0x80)).ToString(), text.AsSpan(c + 1)) : text;
        }
    }

    private static T Pick<T>(IReadOnlyList<T> items, Random random) => items[random.Next(items.Count)];

    private static bool Contains(JsonTree outer, JsonTree inner)
        => ReferenceEquals(outer, inner)
        || outer switch
        {
            JsonObject o => o.Members.Any(m => Contains(m.Value, inner)),
            JsonArray a => a.Items.Any(i => Contains(i, inner)),
            _ => false,
        };

    private static void Collect(JsonTree node, List<Slot> slots)
    {
        switch (node)
        {
            case JsonObject o:
                for (var i = 0; i < o.Members.Count; i++)
                {
                    slots.Add(new Slot(o, i, o.Members[i].Key));
                    Collect(o.Members[i].Value, slots);
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Items.Count; i++)
                {
                    slots.Add(new Slot(a, i, null));
                    Collect(a.Items[i], slots);
                }

                break;
            default:
                break;
        }
    }

    /// <summary>A place in the tree: member <see cref="Index"/> of an object, or item <see cref="Index"/> of an array.</summary>
    private sealed record Slot(JsonTree Parent, int Index, string? Name)
    {
        public JsonTree Get() => Parent is JsonObject o ? o.Members[Index].Value : ((JsonArray)Parent).Items[Index];

        public void Set(JsonTree value)
        {
            if (Parent is JsonObject o)
            {
                o.Members[Index] = new(o.Members[Index].Key, value);
            }
            else
            {
                ((JsonArray)Parent).Items[Index] = value;
            }
        }

        public void Remove()
        {
            if (Parent is JsonObject o)
            {
                o.Members.RemoveAt(Index);
            }
            else
            {
                ((JsonArray)Parent).Items.RemoveAt(Index);
            }
        }
    }
}
