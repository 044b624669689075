using System.Reflection;
using System.Runtime.InteropServices;

[assembly: AssemblyTitle("IotDevice.Interop")]
[assembly: AssemblyDescription("Native interop of the IotDevice nanoFramework image: NVS, OTA slots, security state, mbedTLS, device id")]
[assembly: AssemblyProduct("IotDevice")]
[assembly: ComVisible(false)]
[assembly: AssemblyVersion("1.0.0.0")]

// The native side's version: nf-build/Image/target/IotDevice.Interop/IotDevice_Interop.cpp declares the same
// { 1, 0, 0, 0 } (nanoFramework's metadata processor requires this attribute on an interop library).
[assembly: AssemblyNativeVersion("1.1.0.0")]
