using System;
using System.Collections;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;

namespace IotDevice.Tests.Core.Fakes
{
    /// <summary>
    /// A scripted IMqttSession: each Connect takes the next scripted result (or <see cref="DefaultResult"/>),
    /// every call is recorded, publishes succeed unless told otherwise, and the test drops the connection
    /// or delivers messages as a broker would. An optional <see cref="Broker"/> sees every publish (a fake
    /// renewal service answers through it).
    /// </summary>
    public sealed class FakeMqttSession : IMqttSession
    {
        private readonly ArrayList _script = new ArrayList();

        public readonly ArrayList Connects = new ArrayList();      // ConnectAttempt
        public readonly ArrayList Published = new ArrayList();     // PublishedMessage (acknowledged ones)
        public readonly ArrayList Subscriptions = new ArrayList(); // string
        public readonly ArrayList Log = new ArrayList();           // "connect host:port", "publish topic", "subscribe topic", "disconnect"

        public FakeMqttSession()
        {
            DefaultResult = MqttConnectResult.Connected;
        }

        public MqttConnectResult DefaultResult { get; set; }

        /// <summary>Publishes that fail (no PUBACK) before they start succeeding again.</summary>
        public int FailNextPublishes { get; set; }

        /// <summary>Topics whose Subscribe is refused.</summary>
        public string RefuseSubscription { get; set; }

        public IFakeBroker Broker { get; set; }

        public bool IsConnected { get; private set; }

        public int Disconnects { get; private set; }

        public event MqttMessageHandler MessageReceived;

        public event EventHandler ConnectionLost;

        public void Script(MqttConnectResult result)
        {
            _script.Add(result);
        }

        public void Script(MqttConnectResult result, int times)
        {
            for (int i = 0; i < times; i++)
                _script.Add(result);
        }

        public MqttConnectResult Connect(MqttEndpoint endpoint, MqttCredentials credentials, MqttWill will)
        {
            if (IsConnected)
                throw new InvalidOperationException("Connect while connected");
            MqttConnectResult result = DefaultResult;
            if (_script.Count > 0)
            {
                result = (MqttConnectResult)_script[0];
                _script.RemoveAt(0);
            }
            if (Broker != null)
                result = Broker.OnConnect(this, endpoint, credentials, result);
            Connects.Add(new ConnectAttempt(endpoint, credentials, will, result));
            Log.Add("connect " + endpoint.Host + ":" + endpoint.Port.ToString());
            IsConnected = result == MqttConnectResult.Connected;
            return result;
        }

        public bool Publish(string topic, byte[] payload, bool retain)
        {
            if (!IsConnected)
                return false;
            if (FailNextPublishes > 0)
            {
                FailNextPublishes--;
                return false;
            }
            Published.Add(new PublishedMessage(topic, payload, retain));
            Log.Add("publish " + topic);
            if (Broker != null)
                Broker.OnPublish(this, topic, payload);
            return true;
        }

        public bool Subscribe(string topic)
        {
            if (!IsConnected || topic == RefuseSubscription)
                return false;
            Subscriptions.Add(topic);
            Log.Add("subscribe " + topic);
            return true;
        }

        public void Disconnect()
        {
            if (IsConnected)
                Disconnects++;
            IsConnected = false;
            Log.Add("disconnect");
        }

        public void Dispose()
        {
            IsConnected = false;
        }

        /// <summary>The broker or the network ends the session (raises ConnectionLost as the adapter does).</summary>
        public void Drop()
        {
            IsConnected = false;
            Log.Add("dropped");
            EventHandler handler = ConnectionLost;
            if (handler != null)
                handler(this, new EventArgs());
        }

        /// <summary>A message from the broker on a subscribed topic.</summary>
        public void Deliver(string topic, byte[] payload)
        {
            MqttMessageHandler handler = MessageReceived;
            if (handler != null)
                handler(this, new MqttMessage(topic, payload));
        }

        public ConnectAttempt Connect(int index)
        {
            return (ConnectAttempt)Connects[index];
        }

        public ConnectAttempt LastConnect
        {
            get { return (ConnectAttempt)Connects[Connects.Count - 1]; }
        }

        public PublishedMessage PublishedAt(int index)
        {
            return (PublishedMessage)Published[index];
        }

        /// <summary>Acknowledged publishes on <paramref name="topic"/>.</summary>
        public int CountPublished(string topic)
        {
            int n = 0;
            for (int i = 0; i < Published.Count; i++)
            {
                if (((PublishedMessage)Published[i]).Topic == topic)
                    n++;
            }
            return n;
        }

        /// <summary>The n-th acknowledged publish on <paramref name="topic"/>.</summary>
        public PublishedMessage PublishedOn(string topic, int n)
        {
            for (int i = 0; i < Published.Count; i++)
            {
                PublishedMessage m = (PublishedMessage)Published[i];
                if (m.Topic == topic && n-- == 0)
                    return m;
            }
            return null;
        }

        public PublishedMessage LastPublishedOn(string topic)
        {
            for (int i = Published.Count - 1; i >= 0; i--)
            {
                PublishedMessage m = (PublishedMessage)Published[i];
                if (m.Topic == topic)
                    return m;
            }
            return null;
        }

        /// <summary>Connect attempts whose credentials were a password (fallback broker).</summary>
        public int CountPasswordConnects()
        {
            int n = 0;
            for (int i = 0; i < Connects.Count; i++)
            {
                if (!((ConnectAttempt)Connects[i]).Credentials.UsesCertificate)
                    n++;
            }
            return n;
        }
    }

    /// <summary>What a connect attempt carried.</summary>
    public sealed class ConnectAttempt
    {
        public ConnectAttempt(MqttEndpoint endpoint, MqttCredentials credentials, MqttWill will, MqttConnectResult result)
        {
            Endpoint = endpoint;
            Credentials = credentials;
            Will = will;
            Result = result;
        }

        public MqttEndpoint Endpoint { get; private set; }

        public MqttCredentials Credentials { get; private set; }

        public MqttWill Will { get; private set; }

        public MqttConnectResult Result { get; private set; }

        public string CertificateText
        {
            get { return Credentials.CertificatePem == null ? null : Utf8.GetString(Credentials.CertificatePem); }
        }
    }

    public sealed class PublishedMessage
    {
        public PublishedMessage(string topic, byte[] payload, bool retain)
        {
            Topic = topic;
            Payload = payload;
            Retain = retain;
        }

        public string Topic { get; private set; }

        public byte[] Payload { get; private set; }

        public bool Retain { get; private set; }

        public string Text
        {
            get { return Utf8.GetString(Payload); }
        }
    }

    /// <summary>A broker behind the fake session (e.g. with a renewal service attached).</summary>
    public interface IFakeBroker
    {
        /// <summary>May override the scripted result (e.g. accept only a certain certificate).</summary>
        MqttConnectResult OnConnect(FakeMqttSession session, MqttEndpoint endpoint, MqttCredentials credentials, MqttConnectResult scripted);

        void OnPublish(FakeMqttSession session, string topic, byte[] payload);
    }
}
