using System.Diagnostics;
using System.Text;

namespace Billing.Resilience.Packaging.Tests;

/// <summary>
/// Issue acceptance: a new console project that references the packed packages, registers the library with the
/// documented snippet (samples/GettingStarted/Program.cs, which docs/getting-started.md shows) and runs a rental
/// through an outage, works as the getting-started page says.
/// </summary>
public sealed class PackageInstallTests : IDisposable
{
    private static readonly string Root = FindRoot();
    private readonly string work = Directory.CreateTempSubdirectory("billing-pkg-").FullName;

    public void Dispose() => Directory.Delete(work, recursive: true);

    [Fact]
    public void The_packed_packages_install_into_a_fresh_console_project_and_run_the_getting_started_example()
    {
        // A version of its own, so no package cache serves an older build.
        var version = $"0.1.0-pkgtest.{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}";
        var feed = Path.Combine(work, "feed");
        foreach (var project in new[] { "Billing.Resilience", "Billing.Resilience.Sqlite", "Billing.Resilience.Testing" })
        {
            Run("dotnet", Root, "pack", Path.Combine(Root, "src", project, project + ".csproj"), "-c", "Release", "-o", feed, "-nologo", $"-p:Version={version}");
        }

        Assert.True(File.Exists(Path.Combine(feed, $"Billing.Resilience.{version}.nupkg")));
        Assert.True(File.Exists(Path.Combine(feed, $"Billing.Resilience.{version}.snupkg")), "symbol package missing");

        var app = Path.Combine(work, "app");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Billing.Resilience" Version="{version}" />
                <PackageReference Include="Billing.Resilience.Sqlite" Version="{version}" />
                <PackageReference Include="Billing.Resilience.Testing" Version="{version}" />
                <PackageReference Include="Microsoft.Extensions.DependencyInjection" Version="10.0.0" />
              </ItemGroup>
            </Project>
            """);
        // Outside the repository, so none of its Directory.Build.props or central versions apply.
        File.WriteAllText(Path.Combine(app, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(app, "Directory.Packages.props"), "<Project />");
        File.Copy(Path.Combine(Root, "samples", "GettingStarted", "Program.cs"), Path.Combine(app, "Program.cs"));

        var output = Run("dotnet", app, "run", "-c", "Release", "-nologo");

        Assert.Contains("started: True", output, StringComparison.Ordinal);
        Assert.Contains("end accepted during the outage: True", output, StringComparison.Ordinal);
        Assert.Contains("status: Settled", output, StringComparison.Ordinal);
        Assert.Contains("billed 30 min, frozen 10 min (payment-1)", output, StringComparison.Ordinal);
        Assert.Contains("charge: 6400 KRW, captured 6400 KRW from the hold", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_getting_started_page_shows_the_example_that_is_built_and_run()
    {
        var page = File.ReadAllText(Path.Combine(Root, "docs", "getting-started.md")).ReplaceLineEndings("\n");
        var program = File.ReadAllText(Path.Combine(Root, "samples", "GettingStarted", "Program.cs")).ReplaceLineEndings("\n").TrimEnd();
        Assert.Contains(program, page, StringComparison.Ordinal);
    }

    private static string Run(string file, string directory, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(8)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 8 minutes");
        }

        output.Append(stdout.Result).Append(stderr.Result);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} failed ({process.ExitCode}):\n{output}");
        return output.ToString();
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Billing.Resilience.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (Billing.Resilience.sln) was not found above the test output.");
    }
}
