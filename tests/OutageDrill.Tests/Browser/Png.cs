using System.Buffers.Binary;
using System.IO.Compression;

namespace OutageDrill.Tests.Browser;

/// <summary>
/// Just enough of PNG to read a browser's screenshot back: 8-bit RGB or RGBA, not interlaced, the five row filters.
/// Anything else is refused, so a test never reads pixels it did not understand.
/// </summary>
internal sealed class Png
{
    private Png(int width, int height, int channels, byte[] pixels)
    {
        Width = width;
        Height = height;
        Channels = channels;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    private int Channels { get; }

    private byte[] Pixels { get; }

    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            var i = ((y * Width) + x) * Channels;
            return (Pixels[i], Pixels[i + 1], Pixels[i + 2]);
        }
    }

    /// <summary>How many pixels have exactly this colour ("#rrggbb").</summary>
    public int Count(string colour)
    {
        var rgb = Convert.FromHexString(colour.TrimStart('#'));
        var count = 0;
        for (var i = 0; i < Pixels.Length; i += Channels)
        {
            if (Pixels[i] == rgb[0] && Pixels[i + 1] == rgb[1] && Pixels[i + 2] == rgb[2])
            {
                count++;
            }
        }

        return count;
    }

    public static Png Read(byte[] file)
    {
        ReadOnlySpan<byte> signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        if (file.Length < 8 || !file.AsSpan(0, 8).SequenceEqual(signature))
        {
            throw new InvalidDataException("not a PNG file");
        }

        int width = 0, height = 0, channels = 0;
        using var data = new MemoryStream();
        for (var offset = 8; offset + 8 <= file.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(offset));
            var type = System.Text.Encoding.ASCII.GetString(file, offset + 4, 4);
            var body = file.AsSpan(offset + 8, length);
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(body);
                    height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                    var (bitDepth, colourType, interlace) = (body[8], body[9], body[12]);
                    channels = colourType switch { 2 => 3, 6 => 4, _ => 0 };
                    if (bitDepth != 8 || channels == 0 || interlace != 0)
                    {
                        throw new InvalidDataException($"unsupported PNG: bit depth {bitDepth}, colour type {colourType}, interlace {interlace}");
                    }

                    break;
                case "IDAT":
                    data.Write(body);
                    break;
            }

            offset += 12 + length;
        }

        data.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(data, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        var raw = inflated.ToArray();
        var stride = width * channels;
        var pixels = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (stride + 1)];
            var source = raw.AsSpan((y * (stride + 1)) + 1, stride);
            var row = pixels.AsSpan(y * stride, stride);
            ReadOnlySpan<byte> above = y == 0 ? new byte[stride] : pixels.AsSpan((y - 1) * stride, stride);
            for (var x = 0; x < stride; x++)
            {
                var a = x >= channels ? row[x - channels] : 0;
                var b = above[x];
                var c = x >= channels && y > 0 ? above[x - channels] : 0;
                row[x] = unchecked((byte)(source[x] + filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"unknown PNG row filter {filter}"),
                }));
            }
        }

        return new Png(width, height, channels, pixels);
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var (pa, pb, pc) = (Math.Abs(p - a), Math.Abs(p - b), Math.Abs(p - c));
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
