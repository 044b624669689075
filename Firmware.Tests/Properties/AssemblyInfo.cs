using System.Reflection;
using System.Runtime.InteropServices;

// The nanoFramework test launcher loads the test assembly by name, which must be NFUnitTest.
[assembly: AssemblyTitle("NFUnitTest")]
[assembly: AssemblyProduct("IotDevice")]
[assembly: ComVisible(false)]
[assembly: AssemblyVersion("0.1.0.0")]
