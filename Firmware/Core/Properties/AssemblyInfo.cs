using System.Reflection;
using System.Runtime.InteropServices;

[assembly: AssemblyTitle("IotDevice.Core")]
[assembly: AssemblyDescription("Portable core of the IotDevice firmware: policies, state machines and formats (mscorlib only)")]
[assembly: AssemblyProduct("IotDevice")]
[assembly: ComVisible(false)]
[assembly: AssemblyVersion("0.1.0.0")]
