using System;
using System.Collections;
using IotDevice.Core.Platform;

namespace IotDevice.Tests.Core.Fakes
{
    /// <summary>An in-memory NVS that records every write and erase in order (key names), so tests can assert on write order and on which keys were never touched.</summary>
    public sealed class FakeSecureStore : ISecureStore
    {
        private readonly ArrayList _keys = new ArrayList();
        private readonly ArrayList _values = new ArrayList();
        private readonly ArrayList _writes = new ArrayList();

        public int WriteCount
        {
            get { return _writes.Count; }
        }

        /// <summary>"set ns/key" or "erase ns/key" of the n-th write.</summary>
        public string Write(int index)
        {
            return (string)_writes[index];
        }

        public void ClearWriteLog()
        {
            _writes.Clear();
        }

        /// <summary>True when any recorded write or erase touched <paramref name="key"/>.</summary>
        public bool WasWritten(string key)
        {
            for (int i = 0; i < _writes.Count; i++)
            {
                string w = (string)_writes[i];
                if (w.EndsWith("/" + key))
                    return true;
            }
            return false;
        }

        public byte[] GetBlob(string nameSpace, string key)
        {
            object value = Find(nameSpace, key);
            return value as byte[];
        }

        public void SetBlob(string nameSpace, string key, byte[] value)
        {
            Put(nameSpace, key, value);
        }

        public string GetString(string nameSpace, string key)
        {
            object value = Find(nameSpace, key);
            return value as string;
        }

        public void SetString(string nameSpace, string key, string value)
        {
            Put(nameSpace, key, value);
        }

        public bool Erase(string nameSpace, string key)
        {
            _writes.Add("erase " + nameSpace + "/" + key);
            int i = IndexOf(nameSpace, key);
            if (i < 0)
                return false;
            _keys.RemoveAt(i);
            _values.RemoveAt(i);
            return true;
        }

        /// <summary>Sets a value without recording it (provisioning before the test starts).</summary>
        public void Seed(string key, string value)
        {
            int i = IndexOf(DeviceStoreKeys.Namespace, key);
            if (i >= 0)
                _values[i] = value;
            else
            {
                _keys.Add(DeviceStoreKeys.Namespace + "/" + key);
                _values.Add(value);
            }
        }

        private void Put(string nameSpace, string key, object value)
        {
            if (key.Length > 15 || nameSpace.Length > 15)
                throw new ArgumentException("NVS keys and namespaces are at most 15 characters: " + key);
            _writes.Add("set " + nameSpace + "/" + key);
            int i = IndexOf(nameSpace, key);
            if (i >= 0)
                _values[i] = value;
            else
            {
                _keys.Add(nameSpace + "/" + key);
                _values.Add(value);
            }
        }

        private object Find(string nameSpace, string key)
        {
            int i = IndexOf(nameSpace, key);
            return i < 0 ? null : _values[i];
        }

        private int IndexOf(string nameSpace, string key)
        {
            string full = nameSpace + "/" + key;
            for (int i = 0; i < _keys.Count; i++)
            {
                if ((string)_keys[i] == full)
                    return i;
            }
            return -1;
        }
    }
}
