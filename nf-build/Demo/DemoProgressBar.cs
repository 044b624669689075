namespace NfBuild.Demo;

/// <summary>One bar of a <see cref="DemoProgress"/>.</summary>
public sealed class DemoProgressBar(string name, double max)
{
    public string Name { get; } = name;
    public double Max { get; } = max;
    public double Value { get; set; }
    internal int PrintedQuarter { get; set; } = -1;
}
