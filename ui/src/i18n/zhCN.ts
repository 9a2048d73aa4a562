// 简体中文，来自唯一的用户可见文字目录（`zh-CN.json`，桌面外壳的通知与托盘也读取它）。键必须与 en.json
// 完全一致（类型与测试双重检查）。

import type { Strings } from "./en";
import catalogue from "./zh-CN.json";

export const zhCN: Strings = catalogue;
