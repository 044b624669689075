using System;
using System.Threading;
using IotDevice.Device;

namespace IotDevice
{
    /// <summary>
    /// Device entry point. The portable core holds every decision; this file only wires the nanoFramework
    /// adapters to it. Until the connectivity issue lands it reports the clock state and idles.
    /// </summary>
    public class Program
    {
        public static void Main()
        {
            DeviceClock clock = new DeviceClock();
            Console.WriteLine("IotDevice firmware started; clock synchronised: " + (clock.IsSynchronized ? "yes" : "no"));
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
