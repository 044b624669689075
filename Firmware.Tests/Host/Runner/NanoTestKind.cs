namespace Firmware.Tests.Host
{
    /// <summary>What a catalog entry runs, in the order the nanoFramework UnitTestLauncher runs them per class.</summary>
    public enum NanoTestKind
    {
        Setup = 0,
        TestMethod = 1,
        DataRow = 2,
        Cleanup = 3
    }
}
