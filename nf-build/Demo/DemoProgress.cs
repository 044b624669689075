using Spectre.Console;

namespace NfBuild.Demo;

/// <summary>
/// Progress bars for the demo's long steps. On a terminal: Spectre.Console's live progress display (the device's log lines
/// appear above it). Anywhere else (CI logs, a redirected output, a test's writer): plain lines at 0, 25, 50, 75 and
/// 100 % of each bar, so a log shows the progress without control characters.
/// </summary>
public static class DemoProgress
{
    public static bool IsLive(IAnsiConsole console) => console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi;

    /// <param name="body">Runs the step; calls the given refresh action whenever it has updated the bars' values.</param>
    public static async Task RunAsync(IAnsiConsole console, IReadOnlyList<DemoProgressBar> bars, Func<Action, Task> body)
    {
        if (IsLive(console))
        {
            await console.Progress().AutoClear(false).HideCompleted(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
                .StartAsync(async context =>
                {
                    var tasks = bars.Select(b => (Bar: b, Task: context.AddTask(Markup.Escape(b.Name), maxValue: b.Max))).ToList();
                    void Refresh()
                    {
                        foreach (var (bar, task) in tasks)
                            task.Value = Math.Min(bar.Value, bar.Max);
                    }
                    await body(Refresh);
                    Refresh();
                });
            return;
        }
        void Print()
        {
            foreach (var bar in bars)
            {
                int quarter = bar.Max <= 0 ? 4 : (int)Math.Floor(Math.Min(bar.Value, bar.Max) / bar.Max * 4);
                if (quarter > bar.PrintedQuarter)
                {
                    bar.PrintedQuarter = quarter;
                    console.MarkupLine($"        [grey]progress[/] {Markup.Escape(bar.Name)} {quarter * 25,3}%");
                }
            }
        }
        await body(Print);
        Print();
    }
}
