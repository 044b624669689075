using System;
using IotDevice.Core.App;
using IotDevice.Core.Platform;
using IotDevice.Tests.Core.Fakes;
using Xunit;
using Xunit.Abstractions;

namespace Firmware.Tests.Host.Benchmarks
{
    /// <summary>
    /// Goal: under 1 KB of core allocations per telemetry message (the ESP32 has ~100 KB of heap and the
    /// nanoFramework GC is stop-the-world). Measures what DeviceApplication allocates while a connected
    /// device queues and delivers 2000 messages (payloads are made beforehand; the MQTT session allocates
    /// nothing), with .NET's per-thread allocation counter. Host-only (the device has no such counter).
    /// </summary>
    public class TelemetryAllocationBenchmark
    {
        private readonly ITestOutputHelper _output;

        public TelemetryAllocationBenchmark(ITestOutputHelper output)
        {
            _output = output;
        }

        [Fact]
        public void QueueingAndDelivering_AllocatesLessThan1KbPerMessage()
        {
            AppRig rig = new AppRig(new DateTime(2026, 3, 1, 0, 0, 0)); // outside the renewal window
            LeanSession session = new LeanSession();
            DeviceApplication app = new DeviceApplication(rig.Clock, rig.Store, rig.Keys, rig.Crypto, session, rig.Rebooter, rig.Log,
                new DateTime(2026, 1, 1, 0, 0, 0), "1.0.0", 0, rig.OtaPlatform());
            app.NetworkUp = true;
            for (int i = 0; i < 100; i++)
            {
                app.Tick();
                rig.Clock.AdvanceMs(100);
            }
            Assert.Equal("online-primary", app.StateName);

            const int messages = 2000;
            byte[][] payloads = new byte[messages][];
            for (int i = 0; i < messages; i++)
                payloads[i] = new byte[64];

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < messages; i++)
            {
                app.EnqueueTelemetry(payloads[i]);
                app.Tick();
                rig.Clock.AdvanceMs(100);
            }
            long perMessage = (GC.GetAllocatedBytesForCurrentThread() - before) / messages;

            Assert.Equal(messages, session.Telemetry);
            _output.WriteLine("core allocations per telemetry message: " + perMessage + " bytes");
            Assert.True(perMessage < 1024, perMessage + " bytes per message");
        }

        /// <summary>Accepts everything and records only counts (no allocation of its own).</summary>
        private sealed class LeanSession : IMqttSession
        {
            public int Telemetry;

            public bool IsConnected { get; private set; }

            public event MqttMessageHandler MessageReceived { add { } remove { } }

            public event EventHandler ConnectionLost { add { } remove { } }

            public MqttConnectResult Connect(MqttEndpoint endpoint, MqttCredentials credentials, MqttWill will)
            {
                IsConnected = true;
                return MqttConnectResult.Connected;
            }

            public bool Publish(string topic, byte[] payload, bool retain)
            {
                if (topic.EndsWith("/telemetry", StringComparison.Ordinal))
                    Telemetry++;
                return IsConnected;
            }

            public bool Subscribe(string topic)
            {
                return IsConnected;
            }

            public void Disconnect()
            {
                IsConnected = false;
            }

            public void Dispose()
            {
            }
        }
    }
}
