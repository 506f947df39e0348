using System.Diagnostics;

namespace OutageDrill.Tests.Browser;

/// <summary>
/// Debian's Chromium, headless, as the machine's notes say to start it: no sandbox (CI runs as root), no GPU, and no
/// background connections (the network is closed). Found at $BILLING_TEST_CHROMIUM, else /usr/bin/chromium, else on
/// PATH; <c>eng/chromium.sh</c> installs it.
/// </summary>
internal static class Chromium
{
    public static string Find()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("BILLING_TEST_CHROMIUM") is { Length: > 0 } configured)
        {
            candidates.Add(configured);
        }

        candidates.Add("/usr/bin/chromium");
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            candidates.Add(Path.Combine(directory, "chromium"));
            candidates.Add(Path.Combine(directory, "chromium-browser"));
        }

        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "Chromium was not found ($BILLING_TEST_CHROMIUM, /usr/bin/chromium, PATH). Install it with eng/chromium.sh " +
                "(Debian's package 'chromium'); ./test.sh does so when it runs as root.");
    }

    /// <summary>Opens <paramref name="page"/> and returns a screenshot of the first <paramref name="width"/> x <paramref name="height"/> pixels.</summary>
    public static async Task<Png> ScreenshotAsync(string page, int width, int height)
    {
        var folder = Directory.CreateTempSubdirectory("drill-chromium-");
        try
        {
            var screenshot = Path.Combine(folder.FullName, "page.png");
            var arguments = new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions", "--hide-scrollbars", "--force-color-profile=srgb",
                "--force-device-scale-factor=1", $"--user-data-dir={Path.Combine(folder.FullName, "profile")}",
                $"--window-size={width},{height}", $"--screenshot={screenshot}", new Uri(Path.GetFullPath(page)).AbsoluteUri,
            };
            var start = new ProcessStartInfo(Find()) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("Chromium did not start.");
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"Chromium did not finish within 90 s: {await stderr}");
            }

            if (process.ExitCode != 0 || !File.Exists(screenshot))
            {
                throw new InvalidOperationException($"Chromium exited with {process.ExitCode} and no screenshot: {await stdout} {await stderr}");
            }

            return Png.Read(await File.ReadAllBytesAsync(screenshot));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
