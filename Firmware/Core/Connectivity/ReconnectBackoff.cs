using System;

namespace IotDevice.Core.Connectivity
{
    /// <summary>
    /// Delay before the next connection attempt: doubles after each failure up to a cap, with "full
    /// jitter" (a random delay between half and all of the step) so a fleet that lost its broker at the
    /// same moment doesn't reconnect in lock-step and knock it over again.
    /// </summary>
    public sealed class ReconnectBackoff
    {
        private readonly int _initialMs;
        private readonly int _maxMs;
        private readonly Random _random;
        private int _failures;

        /// <param name="initialMs">Delay after the first failure (before jitter).</param>
        /// <param name="maxMs">Upper bound of any delay.</param>
        /// <param name="random">Source of jitter; pass a seeded one in tests.</param>
        public ReconnectBackoff(int initialMs, int maxMs, Random random)
        {
            if (initialMs <= 0)
                throw new ArgumentOutOfRangeException("initialMs", "initial delay must be positive");
            if (maxMs < initialMs)
                throw new ArgumentOutOfRangeException("maxMs", "maximum delay must be at least the initial delay");
            if (random == null)
                throw new ArgumentNullException("random");
            _initialMs = initialMs;
            _maxMs = maxMs;
            _random = random;
        }

        /// <summary>Failures since the last success.</summary>
        public int ConsecutiveFailures
        {
            get { return _failures; }
        }

        /// <summary>The un-jittered step for the current failure count: initial · 2^(failures−1), capped.</summary>
        public int CurrentStepMs
        {
            get
            {
                if (_failures == 0)
                    return 0;
                long step = _initialMs;
                for (int i = 1; i < _failures && step < _maxMs; i++)
                    step *= 2;
                return step > _maxMs ? _maxMs : (int)step;
            }
        }

        /// <summary>Records a failed attempt and returns how long to wait before the next one.</summary>
        public int NextDelayMs()
        {
            if (_failures < int.MaxValue)
                _failures++;
            int step = CurrentStepMs;
            int half = step / 2;
            return half + _random.Next(step - half + 1);
        }

        /// <summary>Records a successful connection: the next failure starts from the initial delay again.</summary>
        public void Reset()
        {
            _failures = 0;
        }
    }
}
