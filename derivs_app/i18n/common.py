"""Text shared by the shell and every page."""

TEXT = {
    "app.title": ("derivs: see and check the derivatives that train neural networks",
                  "derivs:看见并检验训练神经网络的导数"),
    "app.language": ("Language / 语言", "语言 / Language"),
    "nav.home": ("Home", "首页"),
    "nav.activations": ("Activations", "激活函数"),
    "nav.softmax": ("Softmax Jacobian", "Softmax 雅可比矩阵"),
    "nav.losses": ("Losses", "损失函数"),
    "nav.gradcheck": ("Gradient-check lab", "梯度检验实验室"),
    "nav.playground": ("Your own function", "自定义函数"),
    "common.controls": ("Controls", "控制"),
    "common.share": ("The address bar holds every control on this page: copy it to share this exact view.",
                     "地址栏保存了本页的全部设置:复制链接即可分享当前视图。"),
    "common.bad_link": ("This link sets {name} = {value}, which this page cannot use, so it "
                        "shows the default instead.",
                        "链接中的 {name} = {value} 在本页无效,因此显示的是默认值。"),
    "common.apology": ("Sorry: something went wrong on this page, and it was stopped before it "
                       "could show a wrong number. Change a control or reload the page. If it "
                       "happens again, quote error id {id} to whoever runs this app.",
                       "抱歉:本页出了问题,已在显示错误数值之前停止。请调整控件或刷新页面。"
                       "若再次发生,请把错误编号 {id} 告诉本应用的维护者。"),
    "alt.chart": ("Chart: {title}.", "图表:{title}。"),
    "alt.curve": ("{name}: x from {x0} to {x1}; lowest {ymin} at x = {xmin}, highest {ymax} "
                  "at x = {xmax}.",
                  "{name}:x 从 {x0} 到 {x1};最小值 {ymin}(x = {xmin}),最大值 {ymax}(x = {xmax})。"),
    "alt.point": ("{name} at x = {x}: {y}.", "{name}:x = {x} 处为 {y}。"),
    "alt.heatmap": ("Heatmap {name}, {rows} × {cols}, values from {zmin} to {zmax}.",
                    "热力图 {name},{rows} × {cols},数值从 {zmin} 到 {zmax}。"),
    "alt.bars": ("Bars {name}: {values}.", "柱状图 {name}:{values}。"),
    "alt.no_data": ("Chart with no data yet.", "图表暂无数据。"),
    "common.show_data": ("Show the data", "显示数据"),
    # finite-difference methods and logit presets by name (the URL keeps the ASCII key)
    "method.forward": ("forward", "前向"),
    "method.backward": ("backward", "后向"),
    "method.central": ("central", "中心"),
    "method.five_point": ("five-point (Richardson)", "五点(Richardson)"),
    "method.complex_step": ("complex step", "复步长"),
    "method.richardson": ("Richardson (adaptive)", "Richardson 外推(自适应)"),
    "preset.custom": ("custom", "自定义"),
    "preset.uniform": ("uniform", "均匀"),
    "preset.one_dominant": ("one dominant", "一个占优"),
    "preset.random": ("random", "随机"),
    "preset.overflow": ("overflow", "溢出"),
    "common.present": ("Presenter mode", "演示模式"),
    "common.present_help": ("For a projector: large type, dark, no side bar, the prose left out. "
                            "Keys n and p step through the sections. The link keeps it on.",
                            "用于投影:大字体、深色、隐藏侧边栏、省略说明文字。按 n 和 p 键在各节之间切换。链接会保留此模式。"),
    "common.source": ("The numpy code that runs", "实际运行的 numpy 代码"),
    "common.analytic": ("analytic", "解析"),
    "common.numerical": ("numerical", "数值"),
    "common.rel_error": ("relative error", "相对误差"),
    "common.method": ("Finite-difference method", "有限差分方法"),
    "common.step": ("Step h", "步长 h"),
    "common.step_default": ("default step", "默认步长"),
    # derivs.numeric.check_report: the gradient check's report, entry by entry
    "check.agree": ("{preset}: numerical and analytical agree at all {n} entries.",
                    "{preset}:全部 {n} 个分量的数值结果与解析结果一致。"),
    "check.mismatch": ("{preset}: mismatch at {bad} of {n} entries (numerical vs analytical):",
                       "{preset}:{n} 个分量中有 {bad} 个不一致(数值 vs 解析):"),
    "check.entry": ("  entry {index}: numerical {numerical} vs analytical {analytical} "
                    "(relative error {rel})",
                    "  分量 {index}:数值 {numerical},解析 {analytical}(相对误差 {rel})"),
    "check.more": ("  … and {more} more", "  ……另有 {more} 个"),
    "band.good": ("good (≤ 1e-7)", "良好(≤ 1e-7)"),
    "band.kink": ("acceptable only at a kink (≤ 1e-4)", "仅在尖点处可接受(≤ 1e-4)"),
    "band.doubtful": ("doubtful (between 1e-4 and 1e-2)", "可疑(介于 1e-4 与 1e-2)"),
    "band.wrong": ("wrong (≥ 1e-2)", "错误(≥ 1e-2)"),
    "problem.shape": ("y and ŷ must have the same number of entries.", "y 与 ŷ 的元素个数必须相同。"),
    "problem.not_finite": ("Every entry must be a finite number.", "所有元素都必须是有限数。"),
    "problem.prediction_not_probability": (
        "Predicted probabilities must lie in (0, 1] (binary cross-entropy: in (0, 1), or exactly "
        "0 or 1 where the target is the same); log 0 is −∞.",
        "预测概率必须在 (0, 1] 内(二元交叉熵:在 (0, 1) 内,或在目标值相同处恰为 0 或 1);"
        "log 0 = −∞。"),
    "problem.target_not_binary": ("Binary targets must lie in [0, 1].", "二元目标值必须在 [0, 1] 内。"),
    "problem.target_negative": ("Targets must not be negative.", "目标值不能为负。"),
    "problem.target_not_normalised": (
        "The targets must sum to 1 (they are a probability distribution); now they sum to {total:.6g}.",
        "目标值之和必须为 1(它是一个概率分布);当前之和为 {total:.6g}。"),
}
