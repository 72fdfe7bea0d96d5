namespace TurboDiffusion.Engine.Sampling;

/// <summary>How the state moves from t to the next level t'.</summary>
public enum RcmSolver
{
    /// <summary>Predict x0, then re-noise with fresh noise: <c>x = (1-t')·x0 + t'·eps</c>. The reference default.</summary>
    Sde,

    /// <summary>Euler along the flow, no noise after the initial draw: <c>x = x - (t-t')·v</c> (the I2V <c>--ode</c> flag).</summary>
    Ode,
}
