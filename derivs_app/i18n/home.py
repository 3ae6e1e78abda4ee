"""Text of the home page."""

TEXT = {
    "home.intro": (
        "Every curve and number here comes from one NumPy core, checked against 50-digit "
        "references. Pick a page in the sidebar; every control is kept in the address bar, so a "
        "link reopens exactly what you see.",
        "这里的每条曲线、每个数字都来自同一个 NumPy 核心,并用 50 位精度的参考值检验过。"
        "在侧边栏选择页面;所有设置都保存在地址栏中,分享链接即可打开完全相同的视图。"),
    "home.pages": ("What each page teaches", "各页面讲什么"),
    "home.activations": (
        "**Activations**: each function beside its derivative, where the derivative vanishes "
        "(saturation, dead ReLU), what libraries do at kinks, and analytic against numerical "
        "slopes at any point.",
        "**激活函数**:每个函数与其导数并排显示;导数在哪里消失(饱和、ReLU 死区);"
        "各个库在尖点处的取值;任意点处解析导数与数值导数的对比。"),
    "home.softmax": (
        "**Softmax Jacobian**: move the logits and watch J = diag(s) − s sᵀ change; why its rows "
        "sum to 0, and why backprop never builds it.",
        "**Softmax 雅可比矩阵**:拖动 logits,观察 J = diag(s) − s sᵀ 的变化;为什么每行之和为 0,"
        "以及反向传播为何从不显式构造它。"),
    "home.losses": (
        "**Losses**: MSE, cross-entropy, binary cross-entropy, softmax + cross-entropy and Huber, "
        "with analytic and finite-difference gradients side by side.",
        "**损失函数**:MSE、交叉熵、二元交叉熵、softmax + 交叉熵与 Huber,解析梯度与有限差分梯度并排比较。"),
    "home.gradcheck": (
        "**Gradient-check lab**: finite-difference methods, step sizes, round-off against "
        "truncation, and the settings PyTorch, JAX, CS231n and SciPy use.",
        "**梯度检验实验室**:有限差分方法、步长、舍入误差与截断误差的权衡,"
        "以及 PyTorch、JAX、CS231n 与 SciPy 的检验设置。"),
    "home.playground": (
        "**Your own function**: type f(x), get f′ from sympy, and check a derivative you "
        "worked out by hand.",
        "**自定义函数**:输入 f(x),由 sympy 求出 f′,并检验你手算的导数。"),
    "home.errata": ("The notes, corrected", "笔记勘误"),
    "home.errata_intro": (
        "The notes this app grew from have a few slips. The app teaches the correct forms, and "
        "the gradient-check pages let you watch a check fail on the notes' versions.",
        "本应用所依据的笔记中有几处错误。应用讲授正确的形式,并可在梯度检验页面中看到笔记版本的检验失败。"),
    "home.col_notes": ("The notes say", "笔记写的是"),
    "home.col_correct": ("Correct", "正确形式"),
    "home.mse": ("Mean squared error, L = (1/n)‖y − ŷ‖²: the factor is 2/n; the notes' 1/n is "
                 "the gradient of (1/2n)‖y − ŷ‖².",
                 "均方误差 L = (1/n)‖y − ŷ‖²:系数是 2/n;笔记中的 1/n 属于 (1/2n)‖y − ŷ‖²。"),
    "home.ce": ("Cross-entropy, L = −(1/n) Σ yᵢ log ŷᵢ: the gradient keeps the 1/n.",
                "交叉熵 L = −(1/n) Σ yᵢ log ŷᵢ:梯度中要保留 1/n。"),
    "home.jac": ("Softmax Jacobian: for a column vector s it is diag(s) − s sᵀ, symmetric, "
                 "each row summing to 0.",
                 "Softmax 雅可比矩阵:对列向量 s,它是 diag(s) − s sᵀ,对称,且每行之和为 0。"),
    "home.stable": ("σ′ = σ(1 − σ) and tanh′ = 1 − tanh² are right on paper, but in float64 they "
                    "return 0 once σ or tanh rounds to 1 (x > 36.7 for σ, |x| > 19.1 for tanh). "
                    "The app computes them from e^(−|x|) instead.",
                    "σ′ = σ(1 − σ) 与 tanh′ = 1 − tanh² 在纸面上正确,但在 float64 中,一旦 σ 或 tanh "
                    "舍入为 1(σ 在 x > 36.7,tanh 在 |x| > 19.1)就返回 0。应用改用 e^(−|x|) 计算。"),
}
