using Spectre.Console;

namespace OutageDrill.Reporting;

/// <summary>A progress bar for large drills, on an interactive terminal only: logs and pipes get no animation.</summary>
internal static class DrillProgress
{
    /// <summary>
    /// Runs <paramref name="run"/>, giving it a progress callback (done, of) that moves a bar when
    /// <paramref name="console"/> is an interactive terminal and the drill has at least <paramref name="threshold"/>
    /// inputs; otherwise the callback is null and nothing is drawn. <paramref name="description"/> names the bar.
    /// </summary>
    public static async Task<T> RunAsync<T>(IAnsiConsole? console, int inputs, int threshold, Func<Action<int, int>?, Task<T>> run, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (console is null || !console.Profile.Capabilities.Interactive || inputs < threshold)
        {
            return await run(null).ConfigureAwait(false);
        }

        return await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(description ?? $"Replaying {inputs:N0} drill inputs", maxValue: inputs);
                var result = await run((done, of) =>
                {
                    task.MaxValue = of;
                    task.Value = done;
                }).ConfigureAwait(false);
                task.Value = task.MaxValue;
                return result;
            }).ConfigureAwait(false);
    }
}
