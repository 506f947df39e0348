Console.WriteLine("drill");
