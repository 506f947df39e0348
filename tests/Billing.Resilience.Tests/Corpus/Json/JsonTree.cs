using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Billing.Resilience.Tests.Corpus.Json;

/// <summary>
/// A JSON tree that can hold what System.Text.Json's own trees cannot: repeated member names and scalars as raw
/// text (<c>1e30</c>, <c>79228162514264337593543950336</c>, or text that is not JSON at all). The corpus edits
/// documents with it by path (<c>data.plans[0].price</c>, the form errors report), the fuzzer mutates it.
/// </summary>
internal abstract class JsonTree
{
    public abstract JsonTree Clone();

    public abstract void WriteTo(StringBuilder text);

    public override string ToString()
    {
        var text = new StringBuilder();
        WriteTo(text);
        return text.ToString();
    }

    /// <summary>Reads a document; repeated members are kept in order, scalars as written.</summary>
    public static JsonTree Parse(string json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 });
        return From(document.RootElement);
    }

    public static JsonTree From(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new JsonObject(element.EnumerateObject().Select(p => new KeyValuePair<string, JsonTree>(p.Name, From(p.Value)))),
        JsonValueKind.Array => new JsonArray(element.EnumerateArray().Select(From)),
        _ => new JsonRaw(element.GetRawText()),
    };

    /// <summary>A JSON string literal, escaped.</summary>
    public static string Quote(string text) => JsonSerializer.Serialize(text);
}

internal sealed class JsonObject(IEnumerable<KeyValuePair<string, JsonTree>> members) : JsonTree
{
    public List<KeyValuePair<string, JsonTree>> Members { get; } = [.. members];

    public override JsonTree Clone() => new JsonObject(Members.Select(m => new KeyValuePair<string, JsonTree>(m.Key, m.Value.Clone())));

    public int IndexOf(string name) => Members.FindIndex(m => m.Key == name);

    public override void WriteTo(StringBuilder text)
    {
        text.Append('{');
        for (var i = 0; i < Members.Count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(Quote(Members[i].Key)).Append(':');
            Members[i].Value.WriteTo(text);
        }

        text.Append('}');
    }
}

internal sealed class JsonArray(IEnumerable<JsonTree> items) : JsonTree
{
    public List<JsonTree> Items { get; } = [.. items];

    public override JsonTree Clone() => new JsonArray(Items.Select(i => i.Clone()));

    public override void WriteTo(StringBuilder text)
    {
        text.Append('[');
        for (var i = 0; i < Items.Count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            Items[i].WriteTo(text);
        }

        text.Append(']');
    }
}

/// <summary>A scalar as written, or any text at all (the corpus puts broken JSON here on purpose).</summary>
internal sealed class JsonRaw(string raw) : JsonTree
{
    public string Raw { get; } = raw;

    public override JsonTree Clone() => this;

    public override void WriteTo(StringBuilder text) => text.Append(Raw);
}

/// <summary>Edits by the paths error messages use: <c>rentals[0].endSignals[1].at</c>, <c>$</c> for the root.</summary>
internal static class JsonPaths
{
    /// <summary>Returns a copy of <paramref name="json"/> with the value at <paramref name="path"/> set to <paramref name="raw"/> (added when absent).</summary>
    public static string Set(string json, string path, string raw) => Edit(json, path, (parent, key) => parent.Set(key, new JsonRaw(raw)));

    /// <summary>Returns a copy with the member or item at <paramref name="path"/> removed.</summary>
    public static string Remove(string json, string path) => Edit(json, path, (parent, key) => parent.Remove(key));

    /// <summary>Returns a copy in which the object at <paramref name="path"/> has the member <paramref name="name"/> once more, as <paramref name="raw"/>.</summary>
    public static string AddRepeated(string json, string path, string name, string raw)
        => Edit(json, path + "." + name, (parent, _) => ((JsonObject)parent.Node).Members.Add(new(name, new JsonRaw(raw))));

    /// <summary>Returns a copy in which the array at <paramref name="path"/> has <paramref name="raw"/> appended.</summary>
    public static string Append(string json, string path, string raw)
        => Edit(json, path + "[0]", (parent, _) => ((JsonArray)parent.Node).Items.Add(new JsonRaw(raw)));

    /// <summary>Gets the raw text of the value at <paramref name="path"/>.</summary>
    public static string Get(string json, string path)
    {
        var tree = JsonTree.Parse(json);
        var (parent, key) = Navigate(tree, path);
        return parent.Get(key).ToString();
    }

    private static string Edit(string json, string path, Action<Parent, object> edit)
    {
        var tree = JsonTree.Parse(json);
        var (parent, key) = Navigate(tree, path);
        edit(parent, key);
        return tree.ToString();
    }

    private static (Parent Parent, object Key) Navigate(JsonTree root, string path)
    {
        var steps = Steps(path);
        var node = root;
        for (var i = 0; i < steps.Count - 1; i++)
        {
            node = new Parent(node).Get(steps[i]);
        }

        return (new Parent(node), steps[^1]);
    }

    /// <summary>"a.b[2].c" as "a", "b", 2, "c".</summary>
    private static List<object> Steps(string path)
    {
        var steps = new List<object>();
        foreach (var part in path.Split('.'))
        {
            var name = part;
            var bracket = name.IndexOf('[', StringComparison.Ordinal);
            var head = bracket < 0 ? name : name[..bracket];
            if (head.Length > 0 && head != "$")
            {
                steps.Add(head);
            }

            while (bracket >= 0)
            {
                var close = name.IndexOf(']', bracket);
                steps.Add(int.Parse(name.AsSpan(bracket + 1, close - bracket - 1), CultureInfo.InvariantCulture));
                bracket = name.IndexOf('[', close);
            }
        }

        return steps;
    }

    private readonly struct Parent(JsonTree node)
    {
        public JsonTree Node => node;

        public JsonTree Get(object key) => key switch
        {
            string name => ((JsonObject)node).Members.First(m => m.Key == name).Value,
            int index => ((JsonArray)node).Items[index],
            _ => throw new ArgumentException("bad key"),
        };

        public void Set(object key, JsonTree value)
        {
            switch (key)
            {
                case string name:
                    var members = ((JsonObject)node).Members;
                    var at = members.FindIndex(m => m.Key == name);
                    if (at < 0)
                    {
                        members.Add(new(name, value));
                    }
                    else
                    {
                        members[at] = new(name, value);
                    }

                    break;
                case int index:
                    var items = ((JsonArray)node).Items;
                    if (index == items.Count)
                    {
                        items.Add(value);
                    }
                    else
                    {
                        items[index] = value;
                    }

                    break;
            }
        }

        public void Remove(object key)
        {
            switch (key)
            {
                case string name:
                    ((JsonObject)node).Members.RemoveAll(m => m.Key == name);
                    break;
                case int index:
                    ((JsonArray)node).Items.RemoveAt(index);
                    break;
            }
        }
    }
}
