using System;

namespace IotDevice.Core.Connectivity
{
    /// <summary>
    /// The broker nodes of one broker (NVS <c>ep_primary</c> / <c>ep_fallback</c>: "host:port,host:port"),
    /// with a cursor that rotates through them: when one node is unreachable the next attempt goes to the
    /// next node of the SAME broker. Host names are DNS names or IPv4 literals (no IPv6: ':' is the port
    /// separator); the TLS adapter checks the server certificate against this exact name.
    /// </summary>
    public sealed class EndpointList
    {
        public const int MaxEndpoints = 8;

        private readonly string[] _hosts;
        private readonly int[] _ports;
        private int _current;

        private EndpointList(string[] hosts, int[] ports)
        {
            _hosts = hosts;
            _ports = ports;
        }

        public int Count
        {
            get { return _hosts.Length; }
        }

        public string Host(int index)
        {
            return _hosts[index];
        }

        public int Port(int index)
        {
            return _ports[index];
        }

        /// <summary>Index of the node the next attempt goes to.</summary>
        public int CurrentIndex
        {
            get { return _current; }
        }

        public string CurrentHost
        {
            get { return _hosts[_current]; }
        }

        public int CurrentPort
        {
            get { return _ports[_current]; }
        }

        /// <summary>Moves the cursor to the next node (wrapping).</summary>
        public void MoveNext()
        {
            _current = (_current + 1) % _hosts.Length;
        }

        /// <summary>"host:port" of a node, for logs.</summary>
        public string Describe(int index)
        {
            return _hosts[index] + ":" + _ports[index].ToString();
        }

        /// <summary>Parses "host:port[,host:port...]"; throws ArgumentException naming the entry and what is wrong.</summary>
        public static EndpointList Parse(string text)
        {
            if (text == null || text.Length == 0)
                throw new ArgumentException("endpoint list is empty");
            string[] entries = text.Split(',');
            if (entries.Length > MaxEndpoints)
                throw new ArgumentException("endpoint list has " + entries.Length.ToString() + " entries, at most " + MaxEndpoints.ToString() + " are allowed");
            string[] hosts = new string[entries.Length];
            int[] ports = new int[entries.Length];
            for (int i = 0; i < entries.Length; i++)
            {
                string entry = entries[i];
                string where = "endpoint " + (i + 1).ToString() + " '" + entry + "'";
                if (entry.Length == 0)
                    throw new ArgumentException(where + " is empty");
                int colon = entry.IndexOf(':');
                if (colon < 0)
                    throw new ArgumentException(where + ": port is missing (host:port)");
                if (entry.IndexOf(':', colon + 1) >= 0)
                    throw new ArgumentException(where + ": more than one ':' (IPv6 literals are not supported)");
                string host = entry.Substring(0, colon);
                string port = entry.Substring(colon + 1);
                CheckHost(host, where);
                ports[i] = ParsePort(port, where);
                hosts[i] = host;
                for (int j = 0; j < i; j++)
                {
                    if (hosts[j] == host && ports[j] == ports[i])
                        throw new ArgumentException(where + " is listed twice");
                }
            }
            return new EndpointList(hosts, ports);
        }

        private static void CheckHost(string host, string where)
        {
            if (host.Length == 0)
                throw new ArgumentException(where + ": host is empty");
            if (host.Length > 253)
                throw new ArgumentException(where + ": host is longer than 253 characters");
            for (int i = 0; i < host.Length; i++)
            {
                char c = host[i];
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
                if (!ok)
                    throw new ArgumentException(where + ": host has character '" + c.ToString() + "' (only letters, digits, '-' and '.')");
            }
            if (host[0] == '.' || host[0] == '-' || host[host.Length - 1] == '.' || host.IndexOf("..") >= 0)
                throw new ArgumentException(where + ": host '" + host + "' is not a valid name");
        }

        private static int ParsePort(string port, string where)
        {
            if (port.Length == 0)
                throw new ArgumentException(where + ": port is empty");
            if (port.Length > 5)
                throw new ArgumentException(where + ": port '" + port + "' is out of range 1..65535");
            int value = 0;
            for (int i = 0; i < port.Length; i++)
            {
                char c = port[i];
                if (c < '0' || c > '9')
                    throw new ArgumentException(where + ": port '" + port + "' is not a number");
                value = value * 10 + (c - '0');
            }
            if (value < 1 || value > 65535)
                throw new ArgumentException(where + ": port '" + port + "' is out of range 1..65535");
            return value;
        }
    }
}
