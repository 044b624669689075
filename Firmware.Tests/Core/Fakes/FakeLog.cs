using System.Collections;
using IotDevice.Core.Platform;

namespace IotDevice.Tests.Core.Fakes
{
    /// <summary>Keeps every log line so a test can assert on what the core reported.</summary>
    public sealed class FakeLog : IDeviceLog
    {
        private readonly ArrayList _lines = new ArrayList();

        public void Info(string line)
        {
            _lines.Add(line);
        }

        public int Count
        {
            get { return _lines.Count; }
        }

        public string Line(int index)
        {
            return (string)_lines[index];
        }

        /// <summary>True when some line contains <paramref name="text"/>.</summary>
        public bool Contains(string text)
        {
            for (int i = 0; i < _lines.Count; i++)
            {
                if (((string)_lines[i]).IndexOf(text) >= 0)
                    return true;
            }
            return false;
        }

        public string All()
        {
            string all = "";
            for (int i = 0; i < _lines.Count; i++)
                all = all + (string)_lines[i] + "\n";
            return all;
        }
    }
}
