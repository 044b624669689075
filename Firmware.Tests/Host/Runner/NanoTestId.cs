using Xunit.Abstractions;

namespace Firmware.Tests.Host
{
    /// <summary>
    /// The xunit argument naming a catalog case. A plain string argument would be cut at 50 characters in
    /// the displayed test name; an object's ToString() is shown whole, so the data row stays visible.
    /// </summary>
    public sealed class NanoTestId : IXunitSerializable
    {
        public NanoTestId()
        {
        }

        public NanoTestId(string id)
        {
            Id = id;
        }

        public string Id { get; private set; }

        public void Deserialize(IXunitSerializationInfo info)
        {
            Id = info.GetValue<string>("id");
        }

        public void Serialize(IXunitSerializationInfo info)
        {
            info.AddValue("id", Id);
        }

        public override string ToString()
        {
            return Id;
        }
    }
}
