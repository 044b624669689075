using System.Reflection;
using System.Runtime.InteropServices;

[assembly: AssemblyTitle("IotDevice.Firmware")]
[assembly: AssemblyDescription("Secure IoT firmware for the ESP32 (Lolin32) on .NET nanoFramework")]
[assembly: AssemblyProduct("IotDevice")]
[assembly: ComVisible(false)]
[assembly: AssemblyVersion("0.1.0.0")]
