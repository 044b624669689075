namespace NfBuild.Cli;

public static class Program
{
    public static int Main(string[] args) => NfBuildCli.Run(args, Console.Out, Console.Error);
}
